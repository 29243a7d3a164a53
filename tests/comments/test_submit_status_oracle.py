"""The submit API answers `pending` whatever happens to the comment: a ban
(plain or shadow) and a replayed Idempotency-Key reveal nothing (issue #15
item 4)."""

from rest_framework.test import APIClient

from comments.models import Comment, CommentStatus
from moderation.models import BanKind, BanMode
from moderation.services import ban_create
from tests.base import SEED_SLUG, BaseTestCase

LIST_URL = f"/api/articles/{SEED_SLUG}/comments/"
PAYLOAD = {"author_name": "Ann", "author_email": "ann@example.org", "body": "Well argued."}


class SubmitStatusOracleTests(BaseTestCase):
    def submit(self, payload=PAYLOAD, **headers):
        return APIClient().post(LIST_URL, payload, format="json", **headers)

    def test_banned_and_shadow_banned_addresses_look_like_everyone_else(self):
        ban_create(kind=BanKind.EMAIL, value="troll@example.org", reason="Abuse", actor=self.editor)
        ban_create(kind=BanKind.EMAIL, value="shade@example.org", reason="Abuse", actor=self.editor,
                   mode=BanMode.SHADOW)
        answers = {}
        for email in ("ann@example.org", "troll@example.org", "shade@example.org"):
            response = self.submit({**PAYLOAD, "author_email": email})
            self.assertEqual(response.status_code, 202)
            answers[email] = response.json()
            self.assertEqual(set(answers[email]), {"id", "status"})
        self.assertEqual({a["status"] for a in answers.values()}, {"pending"})
        # The ban still did its work.
        self.assertEqual(Comment.objects.get(pk=answers["troll@example.org"]["id"]).status, CommentStatus.REJECTED)
        self.assertEqual(Comment.objects.get(pk=answers["shade@example.org"]["id"]).status, CommentStatus.REJECTED)

    def test_a_replay_does_not_reveal_what_the_checks_decided(self):
        first = self.submit(HTTP_IDEMPOTENCY_KEY="k1")
        Comment.objects.filter(pk=first.json()["id"]).update(status=CommentStatus.SPAM)
        replay = self.submit(HTTP_IDEMPOTENCY_KEY="k1")
        self.assertEqual(replay["Idempotent-Replayed"], "true")
        self.assertEqual(replay.json(), {"id": first.json()["id"], "status": "pending"})


class ReaderPageBanOracleTests(BaseTestCase):
    """The reader page does not tell whoever posts with an address that it
    is banned: the comment reads as waiting for an editor, at once and on
    reload."""

    def test_a_banned_address_looks_like_any_other_on_the_page(self):
        ban_create(kind=BanKind.EMAIL, value="troll@example.org", reason="Abuse", actor=self.editor)
        url = self.article.get_absolute_url()
        posted = self.client.post(
            url, {"author_name": "T", "author_email": "troll@example.org", "body": "Am I banned?"},
            HTTP_X_REQUESTED_WITH="fetch",
        )
        self.assertEqual(posted.status_code, 201)
        self.assertEqual(Comment.objects.get().status, CommentStatus.REJECTED)
        for html in (posted.json()["html"], self.client.get(url).content.decode()):
            self.assertIn("Awaiting moderation", html)
            self.assertNotIn("Not published", html)
