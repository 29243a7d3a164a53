"""Bans, trusted commenters and the article's comment controls."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from articles.models import ModerationPolicy
from moderation.selectors import ban_match
from moderation.services import article_close_expired, ban_create
from moderation.models import Ban, BanKind, BanMode
from comments.models import Comment, CommentStatus
from comments.services import comment_check, comment_create
from newsroom.http import hash_ip
from tests.base import BaseTestCase, make_comment

S = CommentStatus


def post(article, email="troll@example.org", ip="203.0.113.7", **kw):
    return comment_create(
        article=article, author_name="T", author_email=email,
        body=kw.pop("body", "Some words."), ip_hash=hash_ip(ip), **kw,
    )


class BanTests(BaseTestCase):
    def test_banned_email_goes_straight_to_rejected_with_the_reason(self):
        ban_create(kind=BanKind.EMAIL, value="Troll@Example.org", reason="Repeated abuse", actor=self.editor)
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            comment = post(self.article, email="troll@EXAMPLE.org")
        comment.refresh_from_db()
        self.assertEqual((comment.status, comment.shadow), (S.REJECTED, False))
        self.assertEqual(callbacks, [])  # never checked
        event = comment.events.get()
        self.assertEqual((event.from_status, event.to_status, event.actor), ("", S.REJECTED, None))
        self.assertEqual(
            event.reason,
            "Rejected by ban on e-mail address (troll@example.org): Repeated abuse",
        )

    def test_domain_ban_matches_subdomains_and_not_others(self):
        ban_create(kind=BanKind.DOMAIN, value="@spam.example", reason="Spam farm", actor=self.editor)
        self.assertIsNotNone(ban_match(author_email="a@spam.example"))
        self.assertIsNotNone(ban_match(author_email="a@mail.spam.example"))
        self.assertIsNone(ban_match(author_email="a@notspam.example"))
        self.assertIsNone(ban_match(author_email="a@example"))

    def test_ip_ban_stores_only_a_keyed_hash(self):
        ban = ban_create(kind=BanKind.IP, value="203.0.113.7", reason="Flooding", actor=self.editor)
        self.assertEqual(ban.value, hash_ip("203.0.113.7"))
        self.assertEqual(ban.label, "203.0.x.x")
        self.assertFalse(Ban.objects.filter(value__contains="203.0.113").exists())
        self.assertEqual(post(self.article, email="new@example.org").status, S.REJECTED)
        self.assertEqual(post(self.article, email="new@example.org", ip="203.0.113.8").status, S.PENDING)

    def test_shadow_ban_marks_the_comment_shadow(self):
        ban_create(
            kind=BanKind.EMAIL, value="troll@example.org", reason="Baiting", actor=self.editor,
            mode=BanMode.SHADOW,
        )
        comment = post(self.article, notify_author=True)
        self.assertEqual((comment.status, comment.shadow, comment.notify_author), (S.REJECTED, True, False))
        self.assertIn("Rejected by shadow ban", comment.events.get().reason)

    def test_expired_ban_no_longer_applies(self):
        ban_create(
            kind=BanKind.EMAIL, value="troll@example.org", reason="Cool off", actor=self.editor,
            expires_at=timezone.now() - timedelta(minutes=1),
        )
        self.assertEqual(post(self.article).status, S.PENDING)

    def test_bad_ban_values_get_clear_errors(self):
        cases = [
            (BanKind.IP, "300.1.1.1", "Enter a valid IPv4 or IPv6 address."),
            (BanKind.EMAIL, "nobody", "Enter a valid e-mail address to ban."),
            (BanKind.DOMAIN, "localhost", "Enter an e-mail domain such as example.com."),
        ]
        for kind, value, message in cases:
            with self.subTest(kind=kind), self.assertRaisesMessage(ValidationError, message):
                ban_create(kind=kind, value=value, reason="x", actor=self.editor)
        ban_create(kind=BanKind.EMAIL, value="a@example.org", reason="x", actor=self.editor)
        with self.assertRaisesMessage(ValidationError, "a@example.org is already banned."):
            ban_create(kind=BanKind.EMAIL, value="A@example.org", reason="x", actor=self.editor)
        with self.assertRaisesMessage(ValidationError, "A ban needs a reason."):
            ban_create(kind=BanKind.EMAIL, value="b@example.org", reason=" ", actor=self.editor)


class BanAdminTests(BaseTestCase):
    def setUp(self):
        self.client.force_login(self.editor)

    def test_editor_bans_an_ip_in_the_admin(self):
        response = self.client.post(reverse("admin:moderation_ban_add"), {
            "kind": "ip", "target": "2001:db8::1", "mode": "reject", "reason": "Flood",
        })
        self.assertEqual(response.status_code, 302)
        ban = Ban.objects.get()
        self.assertEqual((ban.value, ban.label, ban.created_by), (hash_ip("2001:db8::1"), "2001:…", self.editor))

    def test_invalid_ip_is_shown_next_to_the_field(self):
        response = self.client.post(reverse("admin:moderation_ban_add"), {
            "kind": "ip", "target": "not-an-ip", "mode": "reject", "reason": "Flood",
        })
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Enter a valid IPv4 or IPv6 address.")
        self.assertContains(response, 'value="not-an-ip"')
        self.assertFalse(Ban.objects.exists())

    def test_ban_from_a_queue_card(self):
        c = make_comment(self.article, status=S.REVIEW, author_email="x@bad.example", ip_hash=hash_ip("198.51.100.1"))
        response = self.client.post(
            reverse("admin:moderation_moderationqueue_ban"),
            {"id": c.pk, "kind": "domain", "mode": "shadow", "reason": "Spam farm"},
            HTTP_ACCEPT="application/json",
        )
        self.assertEqual(response.json()["message"], "Banned E-mail domain: bad.example.")
        response = self.client.post(
            reverse("admin:moderation_moderationqueue_ban"),
            {"id": c.pk, "kind": "ip", "mode": "reject", "reason": "Same person"},
            HTTP_ACCEPT="application/json",
        )
        self.assertEqual(Ban.objects.get(kind="ip").value, hash_ip("198.51.100.1"))
        response = self.client.post(
            reverse("admin:moderation_moderationqueue_ban"),
            {"id": c.pk, "kind": "email", "mode": "reject", "reason": ""},
            HTTP_ACCEPT="application/json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["errors"][0]["error"], "A ban needs a reason.")

    def test_staff_without_permission_cannot_ban(self):
        c = make_comment(self.article, status=S.REVIEW)
        self.client.force_login(self.staffer)
        response = self.client.post(
            reverse("admin:moderation_moderationqueue_ban"), {"id": c.pk, "kind": "email", "reason": "x"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Ban.objects.exists())


@override_settings(TRUST_MIN_APPROVED=2, TRUST_WINDOW_DAYS=30)
class TrustTests(BaseTestCase):
    EMAIL = "regular@example.org"

    def setUp(self):
        self.article.moderation_policy = ModerationPolicy.TRUSTED_PUBLISH
        self.article.save()

    def history(self, *statuses, days_ago=1):
        for status in statuses:
            c = make_comment(self.article, status=status, author_email=self.EMAIL)
            Comment.objects.filter(pk=c.pk).update(created_at=timezone.now() - timedelta(days=days_ago))

    def check(self, body="A measured and fair point about deterrence."):
        c = make_comment(self.article, author_email=self.EMAIL, body=body)
        return comment_check(comment_id=c.pk)

    def test_trusted_commenter_is_published_at_once_and_logged(self):
        self.history(S.APPROVED, S.APPROVED)
        comment = self.check()
        self.assertEqual(comment.status, S.APPROVED)
        self.assertIsNotNone(comment.approved_at)
        last = comment.events.last()
        self.assertEqual((last.actor, last.from_status, last.to_status), (None, S.REVIEW, S.APPROVED))
        self.assertEqual(
            last.reason,
            "Trusted commenter (2 approved, none rejected in the last 30 days): "
            "published at once by the article's policy",
        )

    def test_not_trusted_with_a_recent_rejection(self):
        self.history(S.APPROVED, S.APPROVED, S.REJECTED)
        self.assertEqual(self.check().status, S.REVIEW)

    def test_old_rejection_outside_the_window_does_not_count(self):
        self.history(S.APPROVED, S.APPROVED)
        self.history(S.SPAM, days_ago=40)
        self.assertEqual(self.check().status, S.APPROVED)

    def test_too_few_approved(self):
        self.history(S.APPROVED)
        self.assertEqual(self.check().status, S.REVIEW)

    def test_flagged_comment_still_waits_for_an_editor(self):
        self.history(S.APPROVED, S.APPROVED)
        comment = self.check(body="You idiot, read the article.")
        self.assertEqual((comment.status, comment.flagged), (S.REVIEW, True))

    def test_not_when_a_hosted_checker_could_not_judge(self):
        from types import SimpleNamespace
        from unittest import mock

        self.history(S.APPROVED, S.APPROVED)
        partial = SimpleNamespace(spam=0.0, toxicity=0.0, reasons=(), unavailable=("akismet",))
        with mock.patch("comments.services.run_checks", return_value=partial):
            self.assertEqual(self.check().status, S.REVIEW)

    def test_premoderated_article_never_auto_approves(self):
        self.article.moderation_policy = ModerationPolicy.PREMODERATE
        self.article.save()
        self.history(S.APPROVED, S.APPROVED, S.APPROVED)
        self.assertEqual(self.check().status, S.REVIEW)


class ArticleControlTests(BaseTestCase):
    def test_auto_close_after_n_days(self):
        self.article.auto_close_after_days = 3
        self.article.published_at = timezone.now() - timedelta(days=4)
        self.article.save()
        with self.assertRaisesMessage(ValidationError, "Comments are closed on this article."):
            post(self.article)
        self.assertEqual(article_close_expired(), 1)
        self.article.refresh_from_db()
        self.assertFalse(self.article.comments_open)

    def test_article_within_its_window_stays_open(self):
        self.article.auto_close_after_days = 3
        self.article.published_at = timezone.now() - timedelta(days=1)
        self.article.save()
        self.assertEqual(post(self.article).status, S.PENDING)
        self.assertEqual(article_close_expired(), 0)
