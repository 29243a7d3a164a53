from django.contrib.auth import get_user_model
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from comments.models import Comment, CommentStatus
from tests.base import SEED_SLUG, BaseTestCase, make_comment

S = CommentStatus
LIST_URL = f"/api/articles/{SEED_SLUG}/comments/"
PERSONAL_OR_MODERATION = {
    "author_email", "ip_hash", "user_agent", "status", "spam_score",
    "toxicity_score", "reasons", "flagged", "risk",
}


class ArticleApiTests(BaseTestCase):
    def test_lists_published_articles(self):
        self.article.__class__.objects.create(slug="draft", headline="Draft", body="x", is_published=False)
        data = APIClient().get("/api/articles/").json()
        self.assertEqual([a["slug"] for a in data["results"]], [SEED_SLUG])

    def test_detail_and_404_for_unpublished(self):
        self.article.__class__.objects.create(slug="draft", headline="Draft", body="x", is_published=False)
        client = APIClient()
        detail = client.get(f"/api/articles/{SEED_SLUG}/").json()
        self.assertEqual(detail["slug"], SEED_SLUG)
        self.assertEqual(len(detail["paragraphs"]), 8)
        self.assertNotIn("Post a Comment", detail["paragraphs"])
        self.assertEqual(client.get("/api/articles/draft/").status_code, 404)


class CommentListApiTests(BaseTestCase):
    def test_only_approved_oldest_first_without_personal_data(self):
        first = make_comment(self.article, status=S.APPROVED, body="First")
        second = make_comment(self.article, status=S.APPROVED, body="Second")
        hidden = [status for status in S.values if status != S.APPROVED]
        self.assertIn(S.REMOVED, hidden)
        for status in hidden:
            make_comment(self.article, status=status, body=f"hidden {status}")
        data = APIClient().get(LIST_URL).json()
        self.assertEqual(set(data), {"next", "previous", "results"})
        self.assertEqual([c["id"] for c in data["results"]], [first.pk, second.pk])
        item = data["results"][0]
        self.assertEqual(
            set(item), {"id", "article", "parent", "author_name", "body", "created_at", "approved_at"}
        )
        self.assertEqual(item["article"], SEED_SLUG)
        self.assertIsNone(item["parent"])
        self.assertFalse(PERSONAL_OR_MODERATION & set(item))
        self.assertNotIn("reader@example.org", str(data))

    def test_cursor_pagination(self):
        for i in range(25):
            make_comment(self.article, status=S.APPROVED, body=f"c{i}")
        client = APIClient()
        page1 = client.get(LIST_URL).json()
        self.assertEqual(len(page1["results"]), 20)
        page2 = client.get(page1["next"]).json()
        self.assertEqual([c["body"] for c in page2["results"]], [f"c{i}" for i in range(20, 25)])
        self.assertIsNone(page2["next"])

    def test_constant_queries(self):
        for i in range(30):
            make_comment(self.article, status=S.APPROVED, body=f"c{i}")
        with self.assertNumQueries(2):  # the article, then one page
            APIClient().get(LIST_URL)

    def test_unknown_article_404(self):
        self.assertEqual(APIClient().get("/api/articles/nope/comments/").status_code, 404)


class CommentSubmitApiTests(BaseTestCase):
    def test_accepts_and_returns_202_pending(self):
        response = APIClient().post(
            LIST_URL,
            {"author_name": "Ann", "author_email": "ann@example.org", "body": "Well argued."},
            format="json",
        )
        self.assertEqual(response.status_code, 202)
        comment = Comment.objects.get()
        self.assertEqual(response.json(), {"id": comment.pk, "status": "pending"})

    def test_field_errors_400(self):
        response = APIClient().post(
            LIST_URL,
            {"author_name": "x" * 101, "author_email": "not-an-email", "body": ""},
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        errors = response.json()
        self.assertEqual(set(errors), {"author_name", "author_email", "body"})
        self.assertEqual(errors["author_email"], ["Enter a valid email address."])
        self.assertFalse(Comment.objects.exists())

    def test_closed_article_400(self):
        self.article.comments_open = False
        self.article.save()
        response = APIClient().post(
            LIST_URL, {"author_name": "A", "author_email": "a@example.org", "body": "Hi"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(), {"non_field_errors": ["Comments are closed on this article."]})

    def test_throttled_per_client(self):
        # The counters start empty (tests/conftest.py empties the cache's
        # own keys); cache.clear() would empty the broker's database too.
        rates = {"anon": "1000/min", "user": "1000/min", "comment_submit": "2/min"}
        from django.conf import settings

        from rest_framework.throttling import SimpleRateThrottle

        original = SimpleRateThrottle.THROTTLE_RATES
        with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
            # DRF reads the rates once, at import: swap them for this test.
            SimpleRateThrottle.THROTTLE_RATES = rates
            try:
                client = APIClient()
                payload = {"author_name": "A", "author_email": "a@example.org", "body": "Hi"}
                codes = [client.post(LIST_URL, payload, format="json").status_code for _ in range(3)]
            finally:
                SimpleRateThrottle.THROTTLE_RATES = original
        self.assertEqual(codes, [202, 202, 429])
        self.assertEqual(Comment.objects.count(), 2)


class ModerationApiTests(BaseTestCase):
    def setUp(self):
        self.comment = make_comment(self.article, status=S.REVIEW, spam_score=0.1, toxicity_score=0.7, flagged=True)

    def client_for(self, user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    def test_anonymous_401_and_non_editors_403(self):
        urls = [
            "/api/moderation/comments/",
            f"/api/moderation/comments/{self.comment.pk}/",
        ]
        for url in urls:
            self.assertEqual(APIClient().get(url).status_code, 401)
            self.assertEqual(self.client_for(self.staffer).get(url).status_code, 403)
            self.assertEqual(self.client_for(self.reader).get(url).status_code, 403)
        approve = f"/api/moderation/comments/{self.comment.pk}/approve/"
        self.assertEqual(APIClient().post(approve).status_code, 401)
        self.assertEqual(self.client_for(self.staffer).post(approve).status_code, 403)
        self.comment.refresh_from_db()
        self.assertEqual(self.comment.status, S.REVIEW)

    def test_list_filters_and_shows_moderation_data(self):
        make_comment(self.article, status=S.SPAM)
        data = self.client_for(self.editor).get("/api/moderation/comments/?status=review").json()
        self.assertEqual([c["id"] for c in data["results"]], [self.comment.pk])
        item = data["results"][0]
        for key in ("author_email", "status", "spam_score", "toxicity_score", "reasons", "checked_at"):
            self.assertIn(key, item)
        other = self.client_for(self.editor).get(f"/api/moderation/comments/?article=other").json()
        self.assertEqual(other["results"], [])

    def test_bad_status_filter_400(self):
        response = self.client_for(self.editor).get("/api/moderation/comments/?status=bogus")
        self.assertEqual(response.status_code, 400)
        self.assertIn("status", response.json())

    def test_approve_and_reject_with_token_auth(self):
        token = Token.objects.create(user=self.editor)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        url = f"/api/moderation/comments/{self.comment.pk}/"
        response = client.post(url + "approve/", {"reason": "ok"}, format="json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "approved")
        # Twice: no change, no second event.
        client.post(url + "approve/", format="json")
        self.assertEqual(self.comment.events.count(), 1)
        response = client.post(url + "reject/", format="json")
        self.assertEqual(response.json()["status"], "rejected")
        self.assertEqual(self.comment.events.count(), 2)

    def test_an_unknown_reason_code_400_lists_the_valid_ones(self):
        url = f"/api/moderation/comments/{self.comment.pk}/reject/"
        response = self.client_for(self.editor).post(url, {"reason_code": "offtopic"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json()["reason_code"],
            ['"offtopic" is not a reason code; use one of: spam, toxic, off_topic, '
             'personal_data, legal, other.'],
        )
        self.assertEqual(self.comment.events.count(), 0)

    def test_unknown_comment_404(self):
        self.assertEqual(self.client_for(self.editor).post("/api/moderation/comments/999999/approve/").status_code, 404)


class SchemaTests(BaseTestCase):
    def test_schema_and_docs(self):
        client = APIClient()
        schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        self.assertEqual(schema.status_code, 200)
        paths = schema.json()["paths"]
        self.assertIn("/api/articles/{slug}/comments/", paths)
        self.assertIn("/api/moderation/comments/{id}/approve/", paths)
        docs = client.get("/api/docs/")
        self.assertEqual(docs.status_code, 200)
        self.assertNotIn("cdn.jsdelivr", docs.content.decode())


class CommentReplyApiTests(BaseTestCase):
    def test_reply_carries_parent(self):
        parent = make_comment(self.article, status=S.APPROVED)
        response = APIClient().post(
            LIST_URL,
            {"author_name": "B", "author_email": "b@example.org", "body": "Reply", "parent": parent.pk},
            format="json",
        )
        self.assertEqual(response.status_code, 202)
        self.assertEqual(Comment.objects.get(pk=response.json()["id"]).parent, parent)

    def test_replies_leave_the_api_and_the_counts_with_their_comment(self):
        from comments.services import comment_reject

        parent = make_comment(self.article, status=S.APPROVED, body="Top")
        reply = make_comment(self.article, status=S.APPROVED, body="Reply", parent=parent)
        ids = [c["id"] for c in APIClient().get(LIST_URL).json()["results"]]
        self.assertEqual(sorted(ids), sorted([parent.pk, reply.pk]))
        with self.captureOnCommitCallbacks(execute=True):  # the cache is retired on commit
            comment_reject(comment=parent, actor=self.editor, reason_code="toxic")
        self.assertEqual(APIClient().get(LIST_URL).json()["results"], [])
        self.assertEqual(APIClient().get(f"/api/comments/{reply.pk}/").status_code, 404)
        counts = APIClient().get("/api/comment-counts/", {"articles": self.article.slug}).json()
        self.assertEqual(counts, {self.article.slug: 0})

    def test_reply_to_unpublished_comment_is_422(self):
        hidden = make_comment(self.article, status=S.REVIEW)
        response = APIClient().post(
            LIST_URL,
            {"author_name": "B", "author_email": "b@example.org", "body": "Reply", "parent": hidden.pk},
            format="json",
        )
        self.assertEqual(response.status_code, 422)
        self.assertEqual(
            response.json(), {"parent": ["You can only reply to a published comment on this article."]}
        )
        self.assertEqual(Comment.objects.count(), 1)


class OversizedBodyTests(BaseTestCase):
    """Issue #15 item 7: a body over DATA_UPLOAD_MAX_MEMORY_SIZE gets the
    API's JSON error, not Django's HTML page."""

    def test_oversized_body_is_a_json_400(self):
        body = '{"author_name": "A", "author_email": "a@example.org", "body": "' + "x" * 2_700_000 + '"}'
        response = self.client.post(LIST_URL, body, content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response.json(), {"detail": "The request body is too large: at most 2621440 bytes."})
        self.assertFalse(Comment.objects.exists())


class TokenExpiryTests(BaseTestCase):
    """Issue #15 item 7: editors' DRF tokens expire."""

    def test_a_token_older_than_the_ttl_is_refused(self):
        from datetime import timedelta

        from django.utils import timezone

        token = Token.objects.create(user=self.editor)
        client = APIClient()
        url = "/api/moderation/comments/"
        self.assertEqual(client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}").status_code, 200)
        Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=31))
        response = client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json(), {"detail": "Token has expired: ask an administrator for a new one."})


class ApiSignalsTests(BaseTestCase):
    """Issue #15 item 7: the API path stores what it knows of the client."""

    def test_anonymous_submission_without_user_agent(self):
        payload = {"author_name": "A", "author_email": "a@example.org", "body": "Hi"}
        APIClient().post(LIST_URL, payload, format="json")
        self.assertEqual(Comment.objects.get().signals, {"via": "api", "client": "anonymous", "no_user_agent": True})

    def test_key_submission_with_user_agent(self):
        from partners.services import api_key_create

        _, raw = api_key_create(name="App", can_submit=True)
        payload = {"author_name": "A", "author_email": "a@example.org", "body": "Hi"}
        APIClient().post(LIST_URL, payload, format="json", HTTP_X_API_KEY=raw, HTTP_USER_AGENT="PartnerApp/2.1")
        self.assertEqual(Comment.objects.get().signals, {"via": "api", "client": "api_key"})
