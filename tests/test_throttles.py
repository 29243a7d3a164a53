"""Throttles name the client by newsroom.http.client_ip: a forged
X-Forwarded-For never buys a fresh budget (issue #15 items 1 and 2), on
the API and on the reader page's forms."""

from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from comments.models import Comment, CommentReport, CommentStatus
from partners.services import api_key_create
from tests.base import SEED_SLUG, BaseTestCase, make_comment

LIST_URL = f"/api/articles/{SEED_SLUG}/comments/"
PAYLOAD = {"author_name": "A", "author_email": "a@example.org", "body": "Hi"}
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def forged(i: int) -> dict:
    return {"HTTP_X_FORWARDED_FOR": f"203.0.113.{i}"}


class ApiThrottleClientTests(BaseTestCase):
    def setUp(self):
        self.saved = SimpleRateThrottle.THROTTLE_RATES
        # DRF reads the rates once, at import: swap them for these tests.
        SimpleRateThrottle.THROTTLE_RATES = {**self.saved, "anon": "2/min", "comment_submit": "2/min"}

    def tearDown(self):
        SimpleRateThrottle.THROTTLE_RATES = self.saved

    def test_rotating_forwarded_for_is_one_client_without_trusted_proxies(self):
        client = APIClient()
        codes = [client.get(LIST_URL, **forged(i)).status_code for i in range(3)]
        self.assertEqual(codes, [200, 200, 429])
        codes = [client.post(LIST_URL, PAYLOAD, format="json", **forged(i)).status_code for i in range(3)]
        self.assertEqual(codes, [202, 202, 429])
        self.assertEqual(Comment.objects.count(), 2)

    @override_settings(TRUSTED_PROXY_COUNT=1)
    def test_behind_one_proxy_the_last_hop_is_the_client(self):
        client = APIClient()
        # Whatever the client puts in front of the proxy's entry is ignored.
        same = [client.get(LIST_URL, HTTP_X_FORWARDED_FOR=f"10.9.9.{i}, 198.51.100.7").status_code for i in range(3)]
        self.assertEqual(same, [200, 200, 429])
        # Another client behind the same proxy has its own budget.
        self.assertEqual(client.get(LIST_URL, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code, 200)

    def test_key_throttles_count_per_key_whatever_the_address(self):
        _, raw = api_key_create(name="Small", read_rate="2/min")
        client = APIClient()
        codes = [client.get(LIST_URL, HTTP_X_API_KEY=raw, **forged(i)).status_code for i in range(3)]
        self.assertEqual(codes, [200, 200, 429])


@override_settings(FORM_THROTTLE_COMMENT="2/min", FORM_THROTTLE_REPORT="2/min")
class FormThrottleTests(BaseTestCase):
    def test_comment_form_posts_per_client_keep_what_was_typed(self):
        url = self.article.get_absolute_url()
        data = {"author_name": "Ivo", "author_email": "ivo@example.org", "body": "My considered view"}
        codes = [self.client.post(url, data, **forged(i)).status_code for i in range(2)]
        self.assertEqual(codes, [302, 302])
        refused = self.client.post(url, data, **forged(9))
        self.assertEqual(refused.status_code, 429)
        self.assertGreater(int(refused["Retry-After"]), 0)
        self.assertContains(refused, "Too many requests from your address. Nothing was sent", status_code=429)
        self.assertContains(refused, "My considered view", status_code=429)  # still in the form
        by_fetch = self.client.post(url, data, **FETCH)
        self.assertEqual(by_fetch.status_code, 429)
        self.assertIn("Too many requests", by_fetch.json()["errors"]["__all__"][0])
        self.assertEqual(Comment.objects.count(), 2)

    def test_edits_share_the_comment_budget(self):
        url = self.article.get_absolute_url()
        data = {"author_name": "Ivo", "author_email": "ivo@example.org", "body": "First"}
        self.client.post(url, data)
        comment = Comment.objects.get()
        edit = f"{url}comments/{comment.pk}/edit/"
        self.assertEqual(self.client.post(edit, {"body": "Second"}).status_code, 302)
        self.assertEqual(self.client.post(edit, {"body": "Third"}, **FETCH).status_code, 429)
        comment.refresh_from_db()
        self.assertEqual(comment.body, "Second")

    def test_reports_per_client(self):
        comments = [make_comment(self.article, status=CommentStatus.APPROVED, body=f"c{i}") for i in range(3)]
        codes = []
        for i, comment in enumerate(comments):
            url = f"{self.article.get_absolute_url()}comments/{comment.pk}/report/"
            # A new browser each time: only the address ties them together.
            codes.append(self.client_class().post(url, {"reason": "spam"}, **forged(i), **FETCH).status_code)
        self.assertEqual(codes, [200, 200, 429])
        self.assertEqual(CommentReport.objects.count(), 2)
