"""The comment form's honeypot and time-to-submit signals."""

import re
import time
from unittest import mock

from comments.forms import _SHOWN_AT
from comments.models import Comment, CommentStatus
from comments.selectors import comment_reader_state
from comments.services import comment_check
from tests.base import BaseTestCase, make_comment


class FormSignalsTests(BaseTestCase):
    def post(self, **extra):
        data = {"author_name": "Ann", "author_email": "ann@example.org", "body": "A fair comment."}
        data.update(extra)
        return self.client.post(self.article.get_absolute_url(), data)

    def shown_token(self):
        page = self.client.get(self.article.get_absolute_url()).content.decode()
        return re.search(r'name="shown_at" value="([^"]+)"', page).group(1)

    def test_page_renders_hidden_honeypot_and_signed_timestamp(self):
        page = self.client.get(self.article.get_absolute_url()).content.decode()
        self.assertIn('class="field field-hp"', page)
        self.assertIn('name="website"', page)
        self.assertRegex(page, r'name="shown_at" value="[^"]+:[^"]+"')

    def test_honeypot_is_stored_not_refused_and_routes_to_spam(self):
        response = self.post(website="http://spam.example", shown_at=self.shown_token())
        self.assertEqual(response.status_code, 302)
        comment = Comment.objects.get()
        self.assertTrue(comment.signals["honeypot"])
        self.assertEqual(comment.body, "A fair comment.")
        checked = comment_check(comment_id=comment.pk)
        self.assertEqual(checked.status, CommentStatus.SPAM)
        self.assertIn("Filled in the hidden field only bots see", [r["message"] for r in checked.reasons])

    def test_records_seconds_to_submit(self):
        token = self.shown_token()
        with mock.patch("comments.forms.time.time", return_value=time.time() + 42):
            self.post(shown_at=token)
        signals = Comment.objects.get().signals
        self.assertGreaterEqual(signals["seconds_to_submit"], 41.5)
        self.assertNotIn("honeypot", signals)

    def test_missing_or_forged_timestamp(self):
        self.post(shown_at="123:forged")
        self.assertEqual(Comment.objects.get().signals, {"form_token": "invalid"})

    def test_signed_value_round_trips(self):
        self.assertEqual(_SHOWN_AT.unsign(_SHOWN_AT.sign("12.5")), "12.5")


class ShadowBanReaderStateTests(BaseTestCase):
    def test_shadow_banned_comment_looks_like_it_awaits_review(self):
        comment = make_comment(self.article, status=CommentStatus.REJECTED, shadow=True)
        self.assertEqual(comment_reader_state(comment)["key"], "review")

    def test_rejected_comment_reads_not_published(self):
        comment = make_comment(self.article, status=CommentStatus.REJECTED)
        self.assertEqual(comment_reader_state(comment)["label"], "Not published")


class FormTokenBindingTests(BaseTestCase):
    """Issue #15 item 7: the signed time-to-submit is valid for an hour, in
    the browser it was shown in."""

    def token(self, client):
        page = client.get(self.article.get_absolute_url()).content.decode()
        return re.search(r'name="shown_at" value="([^"]+)"', page).group(1)

    def post(self, client, token):
        data = {"author_name": "Ann", "author_email": "ann@example.org", "body": "A fair comment.", "shown_at": token}
        client.post(self.article.get_absolute_url(), data)
        return Comment.objects.order_by("-id").first().signals

    def test_valid_in_its_own_browser(self):
        token = self.token(self.client)
        self.assertIn("seconds_to_submit", self.post(self.client, token))

    def test_replayed_from_another_browser_is_invalid(self):
        token = self.token(self.client)
        bot = self.client_class()
        self.token(bot)  # the bot has its own cookie
        self.assertEqual(self.post(bot, token), {"form_token": "invalid"})

    def test_older_than_an_hour_is_invalid(self):
        token = self.token(self.client)
        with mock.patch("time.time", return_value=time.time() + 3601):
            self.assertEqual(self.post(self.client, token), {"form_token": "invalid"})
