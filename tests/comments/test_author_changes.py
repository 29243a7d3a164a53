"""What an author may still do with their comment (issue #16 item 7): edit
and delete while it waits, never once an editor or the checks decided
against it, and a comment a ban rejected behaves like a waiting one, so the
page is no ban oracle (issue #15 item 4)."""

from django.core.exceptions import ValidationError

from comments.models import Comment, CommentStatus
from comments.services import (
    comment_can_change,
    comment_create,
    comment_edit,
    comment_mark_spam,
    comment_reject,
    comment_withdraw,
)
from moderation.models import BanKind, BanMode
from moderation.services import ban_create
from tests.base import BaseTestCase

S = CommentStatus
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


class AuthorChangeTests(BaseTestCase):
    def post(self, email="ann@example.org", body="Well argued, I think."):
        return comment_create(article=self.article, author_name="A", author_email=email, body=body)

    def test_decided_against_cannot_change_and_says_nothing_of_why(self):
        spam, rejected = self.post(), self.post(email="bo@example.org")
        comment_mark_spam(comment=spam, actor=self.editor)
        comment_reject(comment=rejected, actor=self.editor, reason_code="off_topic")
        for c in (spam, rejected):
            c.refresh_from_db()
            self.assertFalse(comment_can_change(c))
            with self.assertRaisesMessage(ValidationError, "This comment can no longer be changed."):
                comment_edit(comment=c, body="Changed.")
            with self.assertRaisesMessage(ValidationError, "This comment can no longer be changed."):
                comment_withdraw(comment=c)

    def test_a_banned_comment_can_be_edited_and_deleted_like_a_waiting_one(self):
        for mode in (BanMode.REJECT, BanMode.SHADOW):
            email = f"{mode}@example.org"
            ban_create(kind=BanKind.EMAIL, value=email, reason="Abuse", actor=self.editor, mode=mode)
            c = self.post(email=email)
            self.assertEqual(c.status, S.REJECTED)
            self.assertTrue(comment_can_change(c))
            edited = comment_edit(comment=c, body="Changed my mind.")
            edited.refresh_from_db()
            self.assertEqual((edited.status, edited.body), (S.REJECTED, "Changed my mind."))
            self.assertIn("Previous text:\nWell argued, I think.", edited.events.order_by("id").last().reason)
            comment_withdraw(comment=edited)
            self.assertEqual(Comment.objects.get(pk=c.pk).status, S.REMOVED)

    def test_the_page_offers_a_banned_author_what_it_offers_anyone(self):
        ban_create(kind=BanKind.EMAIL, value="troll@example.org", reason="Abuse", actor=self.editor)
        url = self.article.get_absolute_url()
        cards = {}
        for email in ("ann@example.org", "troll@example.org"):
            posted = self.client.post(url, {"author_name": "T", "author_email": email, "body": f"Hi from {email}."},
                                      **FETCH).json()
            cards[email] = posted
            self.assertIn("Edit your comment", posted["html"])
            self.assertIn("Delete your comment", posted["html"])
        troll = cards["troll@example.org"]["id"]
        edited = self.client.post(f"{url}comments/{troll}/edit/", {"body": "Edited words."}, **FETCH).json()
        self.assertTrue(edited["ok"])
        self.assertIn("Awaiting moderation", edited["html"])
        self.assertIn("Edit your comment", edited["html"])
        self.assertNotIn("Not published", edited["html"])
        page = self.client.get(url).content.decode()
        self.assertEqual(page.count("Edit your comment"), 2)
