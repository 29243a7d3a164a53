"""The readers' side of the services: replies, edits, withdrawals, reports."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, CommentReport, CommentStatus, ReportReason
from comments.services import (
    comment_approve,
    comment_can_change,
    comment_create,
    comment_edit,
    comment_reject,
    comment_report,
    comment_withdraw,
)
from tests.base import BaseTestCase, make_comment

S = CommentStatus
NOT_REPLYABLE = "You can only reply to a published comment on this article."
WINDOW_CLOSED = "Comments can only be changed in the first 10 minutes after posting."


def reply(article, parent, body="A reply."):
    return comment_create(
        article=article, author_name="Ann", author_email="ann@example.org", body=body, parent=parent
    )


class CommentReplyTests(BaseTestCase):
    def test_reply_to_a_public_comment_attaches_to_it(self):
        top = make_comment(self.article, status=S.APPROVED)
        self.assertEqual(reply(self.article, top.pk).parent_id, top.pk)

    def test_reply_to_a_reply_attaches_to_the_top_level_comment(self):
        top = make_comment(self.article, status=S.APPROVED)
        child = make_comment(self.article, status=S.APPROVED, parent=top)
        self.assertEqual(reply(self.article, child).parent_id, top.pk)

    def test_parent_on_another_article_refused(self):
        other = Article.objects.create(slug="other", headline="Other", body="x", is_published=True)
        foreign = make_comment(other, status=S.APPROVED)
        with self.assertRaisesMessage(ValidationError, NOT_REPLYABLE) as ctx:
            reply(self.article, foreign.pk)
        self.assertEqual(ctx.exception.message_dict, {"parent": [NOT_REPLYABLE]})
        self.assertEqual(Comment.objects.count(), 1)

    def test_parent_not_public_or_unknown_refused(self):
        hidden = make_comment(self.article, status=S.REVIEW)
        for parent in (hidden.pk, 999999, "x"):
            with self.assertRaisesMessage(ValidationError, NOT_REPLYABLE):
                reply(self.article, parent)


class CommentEditTests(BaseTestCase):
    def test_editing_a_public_comment_sends_it_back_through_the_checks(self):
        comment = make_comment(self.article, status=S.APPROVED, body="Nice article.")
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            edited = comment_edit(comment=comment, body=" Nice article. Buy pills at http://spam.example ")
        edited.refresh_from_db()
        self.assertEqual(edited.status, S.PENDING)
        self.assertEqual(edited.body, "Nice article. Buy pills at http://spam.example")
        self.assertIsNone(edited.approved_at)
        self.assertIsNotNone(edited.edited_at)
        # On commit: the check is enqueued, and the API bumps the article's
        # cache version (the comment left the public list).
        self.assertEqual(len(callbacks), 2)
        event = edited.events.get()
        self.assertEqual((event.from_status, event.to_status), (S.APPROVED, S.PENDING))
        self.assertEqual(event.reason, "Edited by its author. Previous text:\nNice article.")

    def test_editing_a_comment_in_review_checks_it_again(self):
        comment = make_comment(self.article, status=S.REVIEW)
        self.assertEqual(comment_edit(comment=comment, body="Better words.").status, S.PENDING)

    def test_unchanged_text_changes_nothing(self):
        comment = make_comment(self.article, status=S.APPROVED, body="Same.")
        self.assertEqual(comment_edit(comment=comment, body="Same. ").status, S.APPROVED)
        self.assertFalse(comment.events.exists())

    def test_edit_after_the_window_refused(self):
        comment = make_comment(self.article, status=S.APPROVED, body="Old.")
        later = comment.created_at + timedelta(minutes=10)
        with self.assertRaisesMessage(ValidationError, WINDOW_CLOSED):
            comment_edit(comment=comment, body="New.", now=later)
        comment.refresh_from_db()
        self.assertEqual((comment.body, comment.status), ("Old.", S.APPROVED))

    @override_settings(COMMENT_EDIT_WINDOW_MINUTES=30)
    def test_window_is_configurable(self):
        comment = make_comment(self.article, status=S.REVIEW)
        later = comment.created_at + timedelta(minutes=29)
        self.assertEqual(comment_edit(comment=comment, body="Fine.", now=later).body, "Fine.")
        self.assertFalse(comment_can_change(comment, now=comment.created_at + timedelta(minutes=30)))

    def test_rejected_comment_cannot_be_edited(self):
        comment = make_comment(self.article, status=S.REVIEW)
        comment_reject(comment=comment, actor=self.editor)
        with self.assertRaisesMessage(ValidationError, "This comment can no longer be changed."):
            comment_edit(comment=comment, body="Sneaky.")

    def test_too_long_edit_refused_and_text_kept(self):
        comment = make_comment(self.article, status=S.REVIEW, body="Short.")
        with self.assertRaises(ValidationError) as ctx:
            comment_edit(comment=comment, body="x" * 5001)
        self.assertIn("body", ctx.exception.message_dict)
        comment.refresh_from_db()
        self.assertEqual((comment.body, comment.status), ("Short.", S.REVIEW))


class CommentWithdrawTests(BaseTestCase):
    def test_withdrawn_comment_is_removed_and_never_public(self):
        comment = make_comment(self.article, status=S.APPROVED)
        comment_withdraw(comment=comment)
        comment.refresh_from_db()
        self.assertEqual(comment.status, S.REMOVED)
        self.assertIsNone(comment.approved_at)
        self.assertEqual(comment.events.get().reason, "Withdrawn by its author")
        # Removed is not among the states an editor can approve from.
        with self.assertRaisesMessage(ValidationError, "A removed comment cannot be moved to approved."):
            comment_approve(comment=comment, actor=self.editor)

    def test_withdraw_after_the_window_refused(self):
        comment = make_comment(self.article, status=S.PENDING)
        with self.assertRaisesMessage(ValidationError, WINDOW_CLOSED):
            comment_withdraw(comment=comment, now=timezone.now() + timedelta(minutes=11))


class CommentReportTests(BaseTestCase):
    def setUp(self):
        self.comment = make_comment(self.article, status=S.APPROVED)

    def report(self, n, ip="", reason=ReportReason.ABUSE):
        return comment_report(comment=self.comment, reason=reason, session_hash=f"s{n}", ip_hash=ip)

    def test_third_report_sends_the_comment_back_to_review(self):
        self.report(1, "ip1")
        self.report(2, "ip2")
        self.comment.refresh_from_db()
        self.assertEqual(self.comment.status, S.APPROVED)
        self.report(3, "ip3")
        self.comment.refresh_from_db()
        self.assertEqual(self.comment.status, S.REVIEW)
        event = self.comment.events.get()
        self.assertEqual((event.from_status, event.to_status), (S.APPROVED, S.REVIEW))
        self.assertIsNone(event.actor)
        self.assertEqual(event.reason, "Reported by 3 readers")

    @override_settings(COMMENT_REPORT_THRESHOLD=1)
    def test_threshold_is_configurable(self):
        self.report(1)
        self.comment.refresh_from_db()
        self.assertEqual(self.comment.status, S.REVIEW)

    def test_one_report_per_session(self):
        self.report(1, "ip1")
        with self.assertRaisesMessage(ValidationError, "You have already reported this comment."):
            self.report(1, "ip2")
        self.assertEqual(CommentReport.objects.count(), 1)

    def test_readers_sharing_an_ip_are_thanked_but_counted_once(self):
        self.report(1, "ip1")
        # Another reader on the same address is not told they reported.
        second = self.report(2, "ip1")
        third = self.report(3, "ip1")
        self.assertFalse(second.counted or third.counted)
        self.comment.refresh_from_db()
        self.assertEqual(self.comment.status, S.APPROVED)
        self.report(4, "ip2")
        self.report(5, "ip3")
        self.comment.refresh_from_db()
        self.assertEqual(self.comment.status, S.REVIEW)
        self.assertEqual(self.comment.events.get().reason, "Reported by 3 readers")

    @override_settings(COMMENT_REPORT_IP_WINDOW_MINUTES=60)
    def test_an_ip_counts_again_after_the_window(self):
        first = self.report(1, "ip1")
        CommentReport.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=61))
        self.assertTrue(self.report(2, "ip1").counted)
        self.assertFalse(self.report(3, "ip1").counted)

    def test_only_public_comments_can_be_reported(self):
        comment_reject(comment=self.comment, actor=self.editor)
        with self.assertRaisesMessage(ValidationError, "This comment is no longer published."):
            self.report(1)

    def test_unknown_reason_refused(self):
        with self.assertRaisesMessage(ValidationError, "Choose one of: spam, abuse, off_topic, personal_data, other."):
            self.report(1, reason="boring")

    @override_settings(COMMENT_REPORT_THRESHOLD=2)
    def test_reports_before_an_editor_reapproves_no_longer_count(self):
        self.report(1, "ip1")
        self.report(2, "ip2")
        comment_approve(comment=self.comment, actor=self.editor)
        self.report(3, "ip3")
        self.comment.refresh_from_db()
        self.assertEqual(self.comment.status, S.APPROVED)


class CommentReportAdminTests(BaseTestCase):
    def test_editors_can_read_reports(self):
        comment = make_comment(self.article, status=S.APPROVED, body="Reported words")
        comment_report(comment=comment, reason=ReportReason.SPAM, session_hash="s", ip_hash="i")
        self.client.force_login(self.editor)
        response = self.client.get("/admin/comments/commentreport/")
        self.assertContains(response, "Reported words")
        self.assertContains(response, "Spam or advertising")
