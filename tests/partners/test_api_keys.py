"""Partner API keys: hashed storage, both headers, scopes, per-key and
anonymous throttles with Retry-After, and creation in the admin."""

from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from comments.models import Comment, CommentStatus
from partners.models import ApiKey
from partners.services import api_key_create
from tests.base import SEED_SLUG, BaseTestCase, make_comment

LIST_URL = f"/api/articles/{SEED_SLUG}/comments/"
PAYLOAD = {"author_name": "App", "author_email": "app@example.org", "body": "From the app."}


class ApiKeyAuthTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.key, cls.raw = api_key_create(name="Mobile app", can_read=True, can_submit=True)
        make_comment(cls.article, status=CommentStatus.APPROVED)

    def test_stored_hashed_never_in_clear(self):
        stored = ApiKey.objects.get(pk=self.key.pk)
        self.assertTrue(self.raw.startswith(f"nr_{stored.prefix}_"))
        self.assertEqual(len(stored.hashed_key), 64)
        self.assertNotIn(self.raw.split("_", 2)[2], str(ApiKey.objects.values().get(pk=self.key.pk)))

    def test_both_headers_authenticate(self):
        for headers in ({"HTTP_AUTHORIZATION": f"Api-Key {self.raw}"}, {"HTTP_X_API_KEY": self.raw}):
            response = APIClient().get(LIST_URL, **headers)
            self.assertEqual(response.status_code, 200)
        self.key.refresh_from_db()
        self.assertIsNotNone(self.key.last_used_at)

    def test_wrong_revoked_or_malformed_key_401(self):
        client = APIClient()
        wrong = self.raw[:-2] + ("AA" if not self.raw.endswith("AA") else "BB")
        for headers in (
            {"HTTP_X_API_KEY": wrong},
            {"HTTP_X_API_KEY": "nonsense"},
            {"HTTP_AUTHORIZATION": "Api-Key"},
        ):
            response = client.get(LIST_URL, **headers)
            self.assertEqual(response.status_code, 401, headers)
            self.assertEqual(response["WWW-Authenticate"], "Api-Key")
        self.assertEqual(
            client.get(LIST_URL, HTTP_X_API_KEY=wrong).json(), {"detail": "Invalid or revoked API key."}
        )
        ApiKey.objects.filter(pk=self.key.pk).update(is_active=False)
        self.assertEqual(client.get(LIST_URL, HTTP_X_API_KEY=self.raw).status_code, 401)

    def test_scopes(self):
        _, read_only = api_key_create(name="Reader", can_read=True, can_submit=False)
        _, submit_only = api_key_create(name="Poster", can_read=False, can_submit=True)
        client = APIClient()
        denied = client.post(LIST_URL, PAYLOAD, format="json", HTTP_X_API_KEY=read_only)
        self.assertEqual(denied.status_code, 403)
        self.assertEqual(denied.json(), {"detail": "This API key does not have the submit scope."})
        self.assertFalse(Comment.objects.filter(author_name="App").exists())
        denied = client.get(LIST_URL, HTTP_X_API_KEY=submit_only)
        self.assertEqual(denied.json(), {"detail": "This API key does not have the read scope."})
        self.assertEqual(client.get("/api/comment-counts/?articles=x", HTTP_X_API_KEY=submit_only).status_code, 403)
        accepted = client.post(LIST_URL, PAYLOAD, format="json", HTTP_X_API_KEY=submit_only)
        self.assertEqual(accepted.status_code, 202)


class ThrottleTests(BaseTestCase):
    def setUp(self):
        self.saved = SimpleRateThrottle.THROTTLE_RATES
        SimpleRateThrottle.THROTTLE_RATES = {**self.saved, "anon": "2/min"}

    def tearDown(self):
        SimpleRateThrottle.THROTTLE_RATES = self.saved

    def test_per_key_read_throttle_with_retry_after(self):
        _, raw = api_key_create(name="Small", read_rate="3/min")
        _, other = api_key_create(name="Other", read_rate="3/min")
        client = APIClient()
        codes = [client.get(LIST_URL, HTTP_X_API_KEY=raw).status_code for _ in range(4)]
        self.assertEqual(codes, [200, 200, 200, 429])
        limited = client.get(LIST_URL, HTTP_X_API_KEY=raw)
        self.assertEqual(limited.status_code, 429)
        self.assertGreater(int(limited["Retry-After"]), 0)
        self.assertIn("Request was throttled.", limited.json()["detail"])
        # Another key has its own budget, and keys are not bound by "anon".
        self.assertEqual(client.get(LIST_URL, HTTP_X_API_KEY=other).status_code, 200)

    def test_anonymous_reads_lower_throttle(self):
        client = APIClient()
        codes = [client.get(LIST_URL).status_code for _ in range(3)]
        self.assertEqual(codes, [200, 200, 429])
        self.assertIn("Retry-After", client.get("/api/comment-counts/?articles=a"))

    def test_default_key_rate_from_settings(self):
        _, raw = api_key_create(name="Default")
        with self.settings(API_THROTTLE_KEY_READ="2/min"):
            codes = [APIClient().get(LIST_URL, HTTP_X_API_KEY=raw).status_code for _ in range(3)]
        self.assertEqual(codes, [200, 200, 429])

    def test_per_key_submit_throttle(self):
        _, raw = api_key_create(name="Poster", can_submit=True, submit_rate="1/min")
        client = APIClient()
        codes = [client.post(LIST_URL, PAYLOAD, format="json", HTTP_X_API_KEY=raw).status_code for _ in range(2)]
        self.assertEqual(codes, [202, 429])
        self.assertEqual(Comment.objects.count(), 1)


class ApiKeyAdminTests(BaseTestCase):
    def test_editor_with_permission_creates_a_key_shown_once(self):
        admin = self.editor.__class__.objects.create_superuser("root", password="pw")
        client = Client()
        client.force_login(admin)
        response = client.post(
            reverse("admin:partners_apikey_add"),
            {"name": "Partner site", "can_read": "on", "read_rate": "100/min", "is_active": "on"},
            follow=True,
        )
        self.assertEqual(response.status_code, 200)
        key = ApiKey.objects.get(name="Partner site")
        page = response.content.decode()
        self.assertIn("Copy it now: it is stored hashed and will not be shown again.", page)
        raw = page.split("<code>", 1)[1].split("</code>", 1)[0]
        self.assertEqual(ApiKey.hash(raw), key.hashed_key)
        self.assertEqual(APIClient().get(LIST_URL, HTTP_X_API_KEY=raw).status_code, 200)
        # The change page never shows it again.
        change = client.get(reverse("admin:partners_apikey_change", args=[key.pk])).content.decode()
        self.assertNotIn(raw, change)
        self.assertIn(key.prefix, change)


class ApiKeySecretAndRateTests(BaseTestCase):
    """Issue #15 item 7: the new key is never put in the messages cookie,
    and a rate DRF cannot read is refused on save."""

    def setUp(self):
        self.admin = self.editor.__class__.objects.create_superuser("root", password="pw")
        self.client.force_login(self.admin)

    def test_new_key_is_in_the_page_only_not_in_a_cookie(self):
        response = self.client.post(
            reverse("admin:partners_apikey_add"), {"name": "Partner site", "can_read": "on", "is_active": "on"}
        )
        self.assertEqual(response.status_code, 200)
        raw = response.content.decode().split("<code>", 1)[1].split("</code>", 1)[0]
        self.assertEqual(ApiKey.hash(raw), ApiKey.objects.get(name="Partner site").hashed_key)
        self.assertNotIn("messages", response.cookies)
        self.assertIn("no-store", response["Cache-Control"])
        # Nothing left for the next page to show.
        self.assertNotContains(self.client.get(reverse("admin:partners_apikey_changelist")), raw)

    def test_a_rate_drf_cannot_read_is_refused(self):
        response = self.client.post(
            reverse("admin:partners_apikey_add"),
            {"name": "Greedy", "can_read": "on", "is_active": "on", "read_rate": "lots"},
        )
        self.assertContains(response, "Enter a rate such as 60/min")
        self.assertFalse(ApiKey.objects.filter(name="Greedy").exists())
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            api_key_create(name="Greedy", submit_rate="fast")

    def test_a_bad_rate_stored_earlier_falls_back_to_the_default(self):
        key, raw = api_key_create(name="Old")
        ApiKey.objects.filter(pk=key.pk).update(read_rate="lots")
        self.assertEqual(APIClient().get(LIST_URL, HTTP_X_API_KEY=raw).status_code, 200)


class ArticleApiKeyTests(BaseTestCase):
    """Issue #15 item 7: /api/articles/ checks keys and throttles like the
    comment endpoints."""

    def test_revoked_key_is_refused_and_keys_are_throttled(self):
        key, raw = api_key_create(name="Small", read_rate="2/min")
        client = APIClient()
        codes = [client.get("/api/articles/", HTTP_X_API_KEY=raw).status_code for _ in range(3)]
        self.assertEqual(codes, [200, 200, 429])
        self.assertEqual(client.get(f"/api/articles/{SEED_SLUG}/", HTTP_X_API_KEY=raw).status_code, 429)
        ApiKey.objects.filter(pk=key.pk).update(is_active=False)
        self.assertEqual(client.get("/api/articles/", HTTP_X_API_KEY=raw).status_code, 401)

    def test_anonymous_reads_are_throttled_per_client(self):
        saved = SimpleRateThrottle.THROTTLE_RATES
        SimpleRateThrottle.THROTTLE_RATES = {**saved, "anon": "2/min"}
        try:
            codes = [
                APIClient().get("/api/articles/", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
                for i in range(3)
            ]
        finally:
            SimpleRateThrottle.THROTTLE_RATES = saved
        self.assertEqual(codes, [200, 200, 429])
