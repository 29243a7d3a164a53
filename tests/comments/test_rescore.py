"""`manage.py rescore_comments`: waiting comments checked again with the live
detector version (the shipped model here), on real PostgreSQL."""

import json
import tempfile
from datetime import timedelta
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, ModerationPolicy
from comments.models import Comment, CommentStatus, ModerationEvent
from comments.selectors import comment_list_for_rescoring
from comments.services import (
    RescoreReport,
    _rescore_apply,
    comment_approve,
    comment_check,
    comment_mark_spam,
    comment_undo_decision,
)
from detection.classifiers.base import CommentSample
from detection.classifiers.pipeline import run_checks
from detection.models import DetectorVersion
from detection.versions import _zip_dir, detectors_activate, shipped_artifacts_dir
from tests.base import BaseTestCase, make_comment

S = CommentStatus

CIVIL = "I think the escalation risk is overstated, and the minister said as much on Tuesday."
SPAM = (
    "Make $500 a day from home with bitcoin trading, WhatsApp me on +1 555 201 7788 "
    "http://bit.ly/x1y2 http://tinyurl.com/z3w4"
)


def left_by_old_version(article, *, body, status, spam, days_ago=2, **fields):
    """A comment as an older detector version left it: submitted, checked
    and routed by the system, with that version's scores."""
    comment = make_comment(
        article, body=body, status=status, spam_score=spam, toxicity_score=0.05,
        risk=max(spam, 0.05), reasons=[{"checker": "model", "head": "spam",
                                       "message": f"spam model score {spam:.2f}", "spans": []}],
        **fields,
    )
    when = timezone.now() - timedelta(days=days_ago)
    Comment.objects.filter(pk=comment.pk).update(
        created_at=when, status_changed_at=when, checked_at=when
    )
    ModerationEvent.objects.create(comment=comment, from_status="", to_status=S.PENDING, reason="Submitted")
    ModerationEvent.objects.create(
        comment=comment, from_status=S.CHECKING, to_status=status,
        reason=f"Checked: spam {spam:.2f}", spam_score=spam,
    )
    comment.refresh_from_db()
    return comment


def rescore(*args):
    out, err = StringIO(), StringIO()
    call_command("rescore_comments", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def snapshot():
    """Everything a rescoring could write."""
    return (
        list(Comment.objects.order_by("pk").values()),
        list(ModerationEvent.objects.order_by("pk").values_list("pk", flat=True)),
    )


class RescoreMovesTests(BaseTestCase):
    def test_civil_comment_left_in_spam_by_an_old_score_moves_to_review(self):
        comment = left_by_old_version(self.article, body=CIVIL, status=S.SPAM, spam=0.97)
        out, err = rescore("--status", "review,spam", "--since", "7")
        comment.refresh_from_db()
        self.assertEqual(comment.status, S.REVIEW)
        self.assertLess(comment.spam_score, 0.9)
        self.assertNotIn("spam model score 0.97", [r["message"] for r in comment.reasons])
        self.assertGreater(comment.checked_at, timezone.now() - timedelta(minutes=5))
        event = comment.events.last()
        self.assertEqual((event.actor, event.from_status, event.to_status), (None, S.SPAM, S.REVIEW))
        self.assertRegex(
            event.reason,
            r"^Rescored with detectors shipped \d{4}\.\d\d\.\d\d\.\d{4}: "
            rf"spam 0\.97 -> {comment.spam_score:.2f}, toxicity 0\.05 -> {comment.toxicity_score:.2f}; ",
        )
        self.assertEqual(event.spam_score, comment.spam_score)
        self.assertIn(f"#{comment.pk}: moved spam -> review (spam 0.97 -> {comment.spam_score:.2f})", out)
        self.assertIn("Moved: 1 spam -> review.", out)
        self.assertIn("1/1 100%", err)

    def test_spam_waiting_in_review_moves_to_spam(self):
        comment = left_by_old_version(self.article, body=SPAM, status=S.REVIEW, spam=0.4)
        rescore("--since", "7")
        comment.refresh_from_db()
        self.assertEqual(comment.status, S.SPAM)
        self.assertGreaterEqual(comment.spam_score, 0.9)
        self.assertEqual(
            list(comment.events.values_list("from_status", "to_status", "actor")),
            [("", S.PENDING, None), (S.CHECKING, S.REVIEW, None), (S.REVIEW, S.SPAM, None)],
        )

    def test_event_names_the_trained_version_that_is_live(self):
        # The shipped artefacts stored as a trained version, as a retraining
        # promotes one.
        folder = Path(self.enterContext(tempfile.TemporaryDirectory()))
        for path in shipped_artifacts_dir().iterdir():
            (folder / path.name).write_bytes(path.read_bytes())
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["version"] = "2026.12.01.0900"
        (folder / "manifest.json").write_text(json.dumps(manifest))
        row = DetectorVersion.objects.create(
            version="2026.12.01.0900", archive=_zip_dir(folder), manifest=manifest
        )
        with override_settings(VAR_DIR=Path(self.enterContext(tempfile.TemporaryDirectory()))):
            detectors_activate(version=row)
            self.addCleanup(detectors_activate, version=None)
            comment = left_by_old_version(self.article, body=CIVIL, status=S.SPAM, spam=0.97)
            out, _ = rescore("--since", "7")
        self.assertTrue(
            comment.events.last().reason.startswith("Rescored with detectors 2026.12.01.0900: spam 0.97 -> ")
        )
        self.assertIn("with detectors 2026.12.01.0900.", out)

    def test_new_scores_are_stored_when_the_status_stays(self):
        comment = left_by_old_version(self.article, body=CIVIL, status=S.REVIEW, spam=0.7)
        out, _ = rescore("--since", "7")
        comment.refresh_from_db()
        self.assertEqual(comment.status, S.REVIEW)
        self.assertNotEqual(comment.spam_score, 0.7)
        self.assertEqual(comment.risk, max(comment.spam_score, comment.toxicity_score))
        self.assertEqual(comment.events.count(), 2)  # no status change, no event
        self.assertIn("Stored new scores only: 1;", out)

    @override_settings(TRUST_MIN_APPROVED=2, TRUST_WINDOW_DAYS=30)
    def test_trusted_commenters_comment_goes_to_review_not_published(self):
        self.article.moderation_policy = ModerationPolicy.TRUSTED_PUBLISH
        self.article.save()
        email = "regular@example.org"
        for _ in range(2):
            make_comment(self.article, status=S.APPROVED, author_email=email, body="Earlier, approved.")
        # The check itself would publish this commenter's comment at once.
        self.assertEqual(
            comment_check(comment_id=make_comment(self.article, body=CIVIL, author_email=email).pk).status,
            S.APPROVED,
        )
        comment = left_by_old_version(
            self.article, body=CIVIL + " Again.", status=S.SPAM, spam=0.95, author_email=email
        )
        rescore("--since", "7")
        comment.refresh_from_db()
        self.assertEqual((comment.status, comment.approved_at), (S.REVIEW, None))

    def test_history_checks_look_back_from_when_the_comment_was_posted(self):
        # Posted on three articles within minutes, three days ago: the
        # third copy went to spam for the copies, not for its words. Seen
        # from today, the copies are outside the 24-hour window.
        body = "The council should publish the full budget before the vote next week, as promised."
        others = [
            Article.objects.create(slug=f"other-{i}", headline=f"Other {i}", body="x", is_published=True)
            for i in range(2)
        ]
        for i, article in enumerate(others):
            copy = make_comment(article, status=S.REVIEW, body=body, author_email=f"c{i}@example.org")
            Comment.objects.filter(pk=copy.pk).update(
                created_at=timezone.now() - timedelta(days=3, minutes=10 - i)
            )
        third = left_by_old_version(self.article, body=body, status=S.SPAM, spam=0.95, days_ago=3)
        without_history = run_checks(CommentSample(body=body), history=False).spam
        self.assertLess(without_history, 0.9)  # the words alone are not spam

        rescore("--status", "spam", "--since", "7")
        third.refresh_from_db()
        self.assertEqual(third.status, S.SPAM)
        self.assertGreaterEqual(third.spam_score, 0.95)
        self.assertIn("recent comment(s) on 2 articles", " ".join(r["message"] for r in third.reasons))


class RescoreLeavesDecisionsTests(BaseTestCase):
    def test_spam_marked_by_an_editor_stays_spam(self):
        comment = make_comment(self.article, body=CIVIL)
        comment_check(comment_id=comment.pk)  # the system: review
        comment_mark_spam(comment=comment, actor=self.editor)
        out, _ = rescore("--since", "7")
        comment.refresh_from_db()
        self.assertEqual(comment.status, S.SPAM)
        self.assertEqual(
            list(comment.events.values_list("to_status", "actor")),
            [(S.REVIEW, None), (S.SPAM, self.editor.pk)],
        )
        self.assertIn("Moved: none.", out)
        self.assertIn("Kept as editors decided: 1", out)

    def test_comment_an_editor_put_back_in_review_is_not_sent_to_spam(self):
        comment = left_by_old_version(self.article, body=SPAM, status=S.REVIEW, spam=0.4)
        comment_mark_spam(comment=comment, actor=self.editor)
        comment_undo_decision(comment=comment, actor=self.editor)
        events = comment.events.count()
        rescore("--since", "7")
        comment.refresh_from_db()
        self.assertEqual((comment.status, comment.events.count()), (S.REVIEW, events))
        self.assertGreaterEqual(comment.spam_score, 0.9)  # the queue still learns the score

    def test_approved_comment_is_untouched(self):
        comment = left_by_old_version(self.article, body=SPAM, status=S.REVIEW, spam=0.4)
        comment_approve(comment=comment, actor=self.editor)
        before = snapshot()
        rescore("--status", "review,spam", "--since", "7")
        self.assertEqual(snapshot(), before)

    def test_statuses_outside_status_are_untouched(self):
        left_by_old_version(self.article, body=SPAM, status=S.REVIEW, spam=0.4)
        in_spam = left_by_old_version(self.article, body=CIVIL, status=S.SPAM, spam=0.97)
        before = Comment.objects.exclude(pk=in_spam.pk).values().get()
        rescore("--status", "spam", "--since", "7")
        self.assertEqual(Comment.objects.exclude(pk=in_spam.pk).values().get(), before)
        self.assertEqual(Comment.objects.get(pk=in_spam.pk).status, S.REVIEW)

    def test_since_is_respected(self):
        old = left_by_old_version(self.article, body=CIVIL, status=S.SPAM, spam=0.97, days_ago=10)
        before = snapshot()
        out, _ = rescore("--since", "7")
        self.assertEqual(snapshot(), before)
        self.assertIn("rescored 0 review/spam comment(s) from the last 7 day(s)", out)
        rescore("--since", "11")
        old.refresh_from_db()
        self.assertEqual(old.status, S.REVIEW)

    def test_comment_changed_while_it_was_scored_is_left_alone(self):
        comment = left_by_old_version(self.article, body=CIVIL, status=S.SPAM, spam=0.97)
        read = comment_list_for_rescoring(statuses=[S.SPAM], since=timezone.now() - timedelta(days=7)).get()
        result = run_checks(CommentSample(body=CIVIL, comment_id=comment.pk))
        # An editor approves it between the read and the write.
        comment_approve(comment=comment, actor=self.editor)
        report = RescoreReport(version="test")
        _rescore_apply(comment=read, result=result, report=report)
        comment.refresh_from_db()
        self.assertEqual((comment.status, comment.spam_score), (S.APPROVED, 0.97))
        self.assertEqual((report.skipped, report.moved), (1, []))


class RescoreRunTests(BaseTestCase):
    def test_second_run_with_the_same_version_changes_nothing(self):
        left_by_old_version(self.article, body=CIVIL, status=S.SPAM, spam=0.97)
        left_by_old_version(self.article, body=SPAM, status=S.REVIEW, spam=0.4)
        left_by_old_version(self.article, body=CIVIL + " Indeed.", status=S.REVIEW, spam=0.7)
        rescore("--since", "7")
        before = snapshot()
        out, _ = rescore("--since", "7")
        self.assertEqual(snapshot(), before)
        self.assertIn("Moved: none.", out)
        self.assertIn("Stored new scores only: 0; unchanged: 3; skipped: 0", out)

    def test_dry_run_prints_what_would_move_and_writes_nothing(self):
        comment = left_by_old_version(self.article, body=CIVIL, status=S.SPAM, spam=0.97)
        before = snapshot()
        out, _ = rescore("--since", "7", "--dry-run")
        self.assertEqual(snapshot(), before)
        self.assertIn(f"#{comment.pk}: would move spam -> review (spam 0.97 -> ", out)
        self.assertIn("Would move: 1 spam -> review.", out)

    def test_progress_goes_to_stderr_once_per_batch(self):
        for i in range(5):
            left_by_old_version(self.article, body=f"{CIVIL} Point {i}.", status=S.SPAM, spam=0.97)
        out, err = rescore("--since", "7", "--batch-size", "2")
        self.assertEqual(
            err.splitlines(),
            [
                "[############------------------] 2/5  40%  moved 2",
                "[########################------] 4/5  80%  moved 4",
                "[##############################] 5/5 100%  moved 5",
            ],
        )
        self.assertNotIn("[#", out)

    @override_settings(DETECTOR_VERSION_RECHECK_SECONDS=3600)
    def test_query_count_is_bounded_per_batch(self):
        # Load the live version and the editors' lists once, as any run does.
        left_by_old_version(self.article, body="Warm up.", status=S.SPAM, spam=0.97)
        rescore("--since", "7")

        def run(n, batch_size=4):
            """Queries of a first run (every comment moves spam -> review)
            and of a second one (nothing to write)."""
            Comment.objects.all().delete()
            for i in range(n):
                left_by_old_version(self.article, body=f"Fair point {i}.", status=S.SPAM, spam=0.97)
            with CaptureQueriesContext(connection) as moving:
                rescore("--since", "7", "--batch-size", str(batch_size))
            self.assertEqual(Comment.objects.filter(status=S.REVIEW).count(), n)
            with CaptureQueriesContext(connection) as idle:
                rescore("--since", "7", "--batch-size", str(batch_size))
            return len(moving), len(idle)

        # The live version's name and the count, then per slice one read of
        # the comments with their events' verdict (a slice shorter than the
        # batch ends the run), and per comment what the checks read (short
        # texts: the duplicate check skips them; one posting-rate count).
        # A move adds savepoint, lock, update, event, release.
        for n, slices in ((3, 1), (4, 2), (9, 3)):
            with self.subTest(n=n):
                moving, idle = run(n)
                self.assertEqual(idle, 2 + slices + n)
                self.assertEqual(moving, idle + 5 * n)
        moving, idle = run(9, batch_size=100)
        self.assertEqual(idle, 2 + 1 + 9)


class RescoreArgumentTests(BaseTestCase):
    def test_unknown_status_is_refused(self):
        with self.assertRaisesMessage(
            CommandError,
            "Cannot rescore status 'spma': only comments still waiting for an editor are "
            "rescored; --status takes review, spam (comma-separated).",
        ):
            rescore("--status", "review,spma", "--since", "7")

    def test_decided_status_is_refused(self):
        with self.assertRaisesMessage(CommandError, "Cannot rescore status 'approved'"):
            rescore("--status", "approved", "--since", "7")

    def test_empty_status_is_refused(self):
        with self.assertRaisesMessage(CommandError, "--status needs at least one of: review, spam."):
            rescore("--status", " , ", "--since", "7")

    def test_negative_days_are_refused(self):
        with self.assertRaisesMessage(CommandError, "--since takes a number of days, at least 1 (got -3)."):
            rescore("--since", "-3")

    def test_since_is_required(self):
        with self.assertRaisesMessage(CommandError, "the following arguments are required: --since"):
            rescore()

    def test_bad_arguments_change_nothing(self):
        left_by_old_version(self.article, body=CIVIL, status=S.SPAM, spam=0.97)
        before = snapshot()
        for args in (("--status", "nope", "--since", "7"), ("--since", "0"), ("--since", "x")):
            with self.assertRaises(CommandError):
                rescore(*args)
        self.assertEqual(snapshot(), before)
