"""Bad input gets a clear, JSON error and is never a 500: deep or
malformed JSON, invisible-only text; direction overrides never reach a
stored name; and every API error (even an unexpected one) is JSON."""

from unittest import mock

from django.db import OperationalError
from django.test import Client
from rest_framework.test import APIClient

from comments.models import Comment
from comments.validators import NoDirectionControlsValidator, VisibleTextValidator
from tests.base import SEED_SLUG, BaseTestCase

URL = f"/api/articles/{SEED_SLUG}/comments/"
INVISIBLE = VisibleTextValidator.message
DIRECTION = NoDirectionControlsValidator.message


def payload(**fields):
    data = {"author_name": "Maria", "author_email": "maria@example.org",
            "body": "A fair point about NATO."}
    data.update(fields)
    return data


class DeepAndMalformedJsonTests(BaseTestCase):
    def post_raw(self, body: bytes):
        return APIClient().generic("POST", URL, body, content_type="application/json")

    def test_json_nested_a_thousand_deep_is_400_with_a_json_body(self):
        for deep in (b"[" * 1000 + b"]" * 1000, b'{"a":' * 5000 + b"1" + b"}" * 5000):
            response = self.post_raw(deep)
            self.assertEqual(response.status_code, 400)
            self.assertEqual(response["Content-Type"], "application/json")
            self.assertEqual(response.json(), {"detail": "JSON parse error - nested too deeply."})
        self.assertFalse(Comment.objects.exists())

    def test_malformed_json_is_400_with_a_json_body(self):
        response = self.post_raw(b'{"author_name": "Maria",')
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.json()["detail"].startswith("JSON parse error"))

    def test_deep_json_in_an_editors_decision_is_400_too(self):
        # The moderation endpoints use the default parsers (settings).
        self.client.force_login(self.editor)
        response = self.client.generic(
            "POST", "/api/moderation/comments/1/approve/", b"[" * 2000 + b"]" * 2000,
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(), {"detail": "JSON parse error - nested too deeply."})


class ApiErrorsAreJsonTests(BaseTestCase):
    def test_an_unexpected_error_under_api_is_a_json_500(self):
        client = Client(raise_request_exception=False)
        with mock.patch("comments.apis.comment_count_public", side_effect=RuntimeError("boom")):
            response = client.get("/api/comment-counts/?articles=" + SEED_SLUG)
        self.assertEqual(response.status_code, 500)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response.json(), {"detail": "Internal server error."})

    def test_an_unexpected_error_elsewhere_is_still_an_html_page(self):
        client = Client(raise_request_exception=False)
        with mock.patch("comments.views.article_get_for_reader_page", side_effect=RuntimeError("boom")):
            response = client.get(f"/articles/{SEED_SLUG}/")
        self.assertEqual(response.status_code, 500)
        self.assertIn("text/html", response["Content-Type"])

    def test_database_unavailable_is_a_json_503_with_retry_after(self):
        with mock.patch("comments.apis.comment_create", side_effect=OperationalError("gone")):
            response = APIClient().post(URL, payload(), format="json")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "5")
        self.assertEqual(
            response.json(),
            {"detail": "The database is unavailable; nothing was stored. Retry later."},
        )


class InvisibleInputTests(BaseTestCase):
    ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"

    def post(self, **fields):
        return APIClient().post(URL, payload(**fields), format="json")

    def test_api_refuses_a_body_of_zero_width_characters_only(self):
        response = self.post(body=self.ZERO_WIDTH + " \u200b")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(), {"body": [INVISIBLE]})
        self.assertFalse(Comment.objects.exists())

    def test_api_refuses_a_name_of_zero_width_characters_only(self):
        response = self.post(author_name=self.ZERO_WIDTH)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(), {"author_name": [INVISIBLE]})

    def test_api_refuses_a_direction_override_in_a_name(self):
        for char in ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                     "\u2066", "\u2067", "\u2068", "\u2069"]:
            response = self.post(author_name=f"Bob{char}gnp.exe")
            self.assertEqual(response.status_code, 400, repr(char))
            self.assertEqual(response.json(), {"author_name": [DIRECTION]})
        self.assertFalse(Comment.objects.exists())

    def test_right_to_left_names_are_welcome(self):
        # Hebrew and Arabic need no control characters to read right to left.
        response = self.post(author_name="\u05e9\u05e8\u05d4 \u0644\u064a\u0644\u0649")
        self.assertEqual(response.status_code, 202)

    def test_form_refuses_a_direction_override_keeping_the_input(self):
        response = self.client.post(f"/articles/{SEED_SLUG}/", {
            "author_name": "Bob\u202egnp.exe", "author_email": "bob@example.org",
            "body": "A fair point about the budget.",
        })
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"].errors["author_name"], [DIRECTION])
        self.assertContains(response, "A fair point about the budget.")
        self.assertFalse(Comment.objects.exists())

    def test_visible_text_with_a_zero_width_joiner_is_accepted(self):
        # Emoji sequences and some scripts need joiners: only text with
        # nothing visible is refused.
        response = self.post(body="Well said \U0001F469\u200d\U0001F4BB", author_name="Zoë")
        self.assertEqual(response.status_code, 202)

    def test_form_refuses_an_invisible_body_and_name_keeping_the_input(self):
        article_url = f"/articles/{SEED_SLUG}/"
        response = self.client.post(article_url, {
            "author_name": "\u200b\u2060", "author_email": "eve@example.org",
            "body": "\u200b\u200b\u200b",
        })
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertEqual(form.errors["body"], [INVISIBLE])
        self.assertEqual(form.errors["author_name"], [INVISIBLE])
        self.assertContains(response, "eve@example.org")
        self.assertFalse(Comment.objects.exists())
