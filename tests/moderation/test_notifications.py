"""Mails to commenters and editors, and the dashboard."""

from datetime import timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from moderation.services import comment_notify_author, notice_address_hash, queue_alert_check, queue_alert_set
from comments.models import Comment, CommentStatus, ModerationEvent
from moderation.models import NoticeAddress, QueueAlert
from comments.services import comment_approve, comment_mark_spam, comment_reject, comment_undo_decision
from tests.base import BaseTestCase, make_comment

S = CommentStatus
DASHBOARD = reverse("admin:moderation_moderationdashboard_changelist")


def confirm(email: str) -> None:
    """The address confirmed its notices (double opt-in)."""
    NoticeAddress.objects.update_or_create(
        email_hash=notice_address_hash(email), defaults={"confirmed_at": timezone.now()}
    )


class AuthorNotificationTests(BaseTestCase):
    def setUp(self):
        confirm("ann@example.org")
        confirm("reader@example.org")

    def test_decision_enqueues_a_notice_after_the_undo_window(self):
        c = make_comment(self.article, status=S.REVIEW, notify_author=True)
        with mock.patch("moderation.tasks.comment_notify_author.apply_async") as send, \
                self.captureOnCommitCallbacks(execute=True):
            comment_approve(comment=c, actor=self.editor)
        send.assert_called_once_with(args=[c.pk, S.APPROVED], countdown=10)

    def test_no_notice_unless_the_author_asked(self):
        c = make_comment(self.article, status=S.REVIEW)
        with mock.patch("moderation.tasks.comment_notify_author.apply_async") as send, \
                self.captureOnCommitCallbacks(execute=True):
            comment_approve(comment=c, actor=self.editor)
        send.assert_not_called()

    def test_approved_author_gets_one_mail(self):
        c = make_comment(self.article, status=S.REVIEW, notify_author=True, author_email="ann@example.org")
        comment_approve(comment=c, actor=self.editor)
        self.assertTrue(comment_notify_author(comment_id=c.pk, status=S.APPROVED))
        self.assertFalse(comment_notify_author(comment_id=c.pk, status=S.APPROVED))
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].subject, "Your comment was published")
        self.assertEqual(mail.outbox[0].to, ["ann@example.org"])
        self.assertIn(self.article.headline, mail.outbox[0].body)

    def test_rejected_author_is_told(self):
        c = make_comment(self.article, status=S.REVIEW, notify_author=True)
        comment_reject(comment=c, actor=self.editor, reason_code="off_topic")
        comment_notify_author(comment_id=c.pk, status=S.REJECTED)
        self.assertEqual(mail.outbox[0].subject, "Your comment was not published")

    def test_rejection_mail_says_why(self):
        c = make_comment(self.article, status=S.REVIEW, notify_author=True)
        comment_reject(comment=c, actor=self.editor, reason_code="off_topic")
        comment_notify_author(comment_id=c.pk, status=S.REJECTED)
        self.assertIn("Reason: Off-topic.", mail.outbox[0].body)

    def test_rejection_mail_never_names_spam_or_a_hidden_reason(self):
        c = make_comment(self.article, status=S.REVIEW, notify_author=True)
        comment_reject(comment=c, actor=self.editor, reason_code="spam")
        self.assertFalse(comment_notify_author(comment_id=c.pk, status=S.REJECTED))
        self.assertEqual(mail.outbox, [])
        d = make_comment(self.article, status=S.REVIEW, notify_author=True)
        comment_reject(comment=d, actor=self.editor, reason_code="toxic")
        with self.settings(COMMENT_SHOW_REJECTION_REASON=False):
            comment_notify_author(comment_id=d.pk, status=S.REJECTED)
        self.assertNotIn("Reason", mail.outbox[0].body)

    def test_spam_decisions_send_no_mail(self):
        c = make_comment(self.article, status=S.REVIEW, notify_author=True)
        with mock.patch("moderation.tasks.comment_notify_author.apply_async") as send, \
                self.captureOnCommitCallbacks(execute=True):
            comment_mark_spam(comment=c, actor=self.editor)
        send.assert_not_called()

    def test_undone_decision_is_never_mailed(self):
        c = make_comment(self.article, status=S.REVIEW, notify_author=True)
        comment_approve(comment=c, actor=self.editor)
        comment_undo_decision(comment=c, actor=self.editor)
        self.assertFalse(comment_notify_author(comment_id=c.pk, status=S.APPROVED))
        self.assertEqual(mail.outbox, [])

    def test_form_and_api_accept_the_box(self):
        response = self.client.get(self.article.get_absolute_url())
        self.assertContains(response, "E-mail me when my comment is approved or rejected")
        self.client.post(self.article.get_absolute_url(), {
            "author_name": "Ann", "author_email": "ann@example.org", "body": "Hello", "notify_author": "on",
        })
        self.client.post(
            reverse("comments-api:list", args=[self.article.slug]),
            {"author_name": "Bo", "author_email": "bo@example.org", "body": "Hi"},
            content_type="application/json",
        )
        self.assertEqual(
            dict(Comment.objects.values_list("author_name", "notify_author")), {"Ann": True, "Bo": False}
        )


class QueueAlertTests(BaseTestCase):
    def setUp(self):
        self.editor.email = "alice@example.org"
        self.editor.save()

    def test_alert_once_per_crossing_then_re_arms(self):
        queue_alert_set(user=self.editor, threshold=2)
        make_comment(self.article, status=S.REVIEW)
        self.assertEqual(queue_alert_check(), 0)
        second = make_comment(self.article, status=S.REVIEW)
        self.assertEqual(queue_alert_check(), 1)
        self.assertEqual(mail.outbox[0].subject, "Moderation queue: 2 comments waiting")
        self.assertEqual(mail.outbox[0].to, ["alice@example.org"])
        make_comment(self.article, status=S.REVIEW)
        self.assertEqual(queue_alert_check(), 0)  # still above: no second mail
        comment_approve(comment=second, actor=self.editor)
        Comment.objects.filter(status=S.REVIEW).first().delete()
        queue_alert_check()
        self.assertTrue(QueueAlert.objects.get().armed)

    def test_routing_into_review_checks_the_alerts(self):
        queue_alert_set(user=self.editor, threshold=1)
        c = make_comment(self.article, body="A calm remark about the summit.")
        from comments.services import comment_check

        with self.captureOnCommitCallbacks(execute=True):
            comment_check(comment_id=c.pk)
        self.assertEqual(len(mail.outbox), 1)

    def test_editor_subscribes_on_the_dashboard(self):
        self.client.force_login(self.editor)
        response = self.client.post(DASHBOARD, {"threshold": "30"}, follow=True)
        self.assertContains(response, "You will be mailed when the queue passes 30 comments.")
        self.assertEqual(QueueAlert.objects.get(user=self.editor).threshold, 30)
        response = self.client.post(DASHBOARD, {"threshold": "0"})
        self.assertContains(response, "Ensure this value is greater than or equal to 1.")
        self.client.post(DASHBOARD, {"threshold": ""})
        self.assertFalse(QueueAlert.objects.exists())


class DashboardTests(BaseTestCase):
    def test_shows_depth_median_decisions_per_editor_and_daily_rates(self):
        self.client.force_login(self.editor)
        for _ in range(3):
            make_comment(self.article, status=S.REVIEW)
        decided = make_comment(self.article, status=S.REVIEW)
        posted = timezone.now() - timedelta(minutes=30)
        Comment.objects.filter(pk=decided.pk).update(created_at=posted)
        comment_approve(comment=decided, actor=self.editor)
        # Decided exactly 30 minutes after it was posted, whatever the clock did.
        ModerationEvent.objects.filter(comment=decided).update(created_at=posted + timedelta(minutes=30))
        make_comment(self.article, status=S.SPAM)
        make_comment(self.article, status=S.REVIEW, flagged=True)
        response = self.client.get(DASHBOARD)
        stats = response.context["stats"]
        self.assertEqual(stats["queue_depth"], 4)
        self.assertEqual(stats["median_seconds"], 1800)
        self.assertEqual(stats["per_editor"], [{"actor__username": "alice", "n": 1}])
        today = stats["rates"][-1]
        # Run just after midnight, the decided comment (30 minutes old)
        # belongs to yesterday.
        crossed = timezone.localdate(timezone.now() - timedelta(minutes=30)) != timezone.localdate()
        total = 5 if crossed else 6
        self.assertEqual((today.total, today.spam, today.toxic), (total, 1, 1))
        self.assertContains(response, '<span class="num" id="dash-median">30 min</span>', html=True)
        self.assertContains(response, "<svg viewBox", count=2)
        self.assertContains(response, "alice: 1")
        self.assertContains(response, f"{100 / total:.1f}% spam (1 of {total})")

    def test_empty_dashboard_renders(self):
        self.client.force_login(self.editor)
        response = self.client.get(DASHBOARD)
        self.assertContains(response, "No decisions yet.")
        self.assertEqual(response.context["stats"]["median_seconds"], None)

    def test_reader_without_staff_is_sent_to_login(self):
        self.client.force_login(get_user_model().objects.get(username="carol"))
        self.assertEqual(self.client.get(DASHBOARD).status_code, 302)
