"""The fast rows of the fault matrix (issue #13; ``make chaos`` runs the
whole matrix on separate processes): nothing accepted is lost or checked
twice, and nothing is refused because Redis is down."""

from datetime import timedelta

from unittest import mock

import pytest

from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from comments.models import Comment, CommentStatus
from comments.services import comment_approve, comment_sweep_stuck
from partners.authentication import AnonSubmitThrottle
from partners.services import api_key_create
from tests.base import SEED_SLUG, BaseTestCase, make_comment, seed_article
from tests.comments.test_pipeline import broker_down
from tests.conftest import cache_down, wait_for

S = CommentStatus
URL = f"/api/articles/{SEED_SLUG}/comments/"


def payload(n=0, **fields):
    data = {"author_name": "Maria", "author_email": f"maria{n}@example.org",
            "body": f"Comment number {n} about NATO's missiles."}
    data.update(fields)
    return data


def redis_down():
    """Broker and cache both unreachable (one Redis serves both)."""
    from contextlib import ExitStack

    stack = ExitStack()
    stack.enter_context(broker_down())
    stack.enter_context(cache_down())
    return stack


class RedisDownTests(BaseTestCase):
    def test_api_submission_is_accepted_stored_and_the_fallback_logged(self):
        with redis_down(), self.assertLogs("newsroom.cache", "WARNING") as logs:
            response = APIClient().post(URL, payload(), format="json")
        self.assertEqual(response.status_code, 202, response.content)
        comment = Comment.objects.get(pk=response.json()["id"])
        self.assertEqual(comment.status, S.PENDING)
        self.assertIn("throttles count per process until it is back", logs.output[0])

    def test_api_key_submission_is_accepted(self):
        _, raw = api_key_create(name="App", can_read=True, can_submit=True)
        with redis_down():
            response = APIClient().post(URL, payload(), format="json", HTTP_X_API_KEY=raw)
        self.assertEqual(response.status_code, 202, response.content)

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_admin_sign_in_answers_and_still_locks_out(self):
        """django-axes counts sign-in failures in the cache: through the
        fallback alias, per process while Redis is down, never a 500."""
        from tests.base import make_editor

        make_editor("kim", "a-long-password")
        login = "/admin/login/?next=/admin/"
        with redis_down():
            codes = [
                Client().post(login, {"username": "kim", "password": f"guess{i}"}).status_code
                for i in range(4)
            ]
            good = Client().post(login, {"username": "kim", "password": "a-long-password"})
        self.assertEqual(codes, [200, 200, 429, 429])
        self.assertEqual(good.status_code, 429)
        # Redis is back: the shared count (which saw none of it) decides.
        self.assertEqual(
            Client().post(login, {"username": "kim", "password": "a-long-password"}).status_code, 302
        )

    def test_public_reads_come_from_the_database(self):
        comment = make_comment(self.article, status=S.APPROVED, body="Seen while Redis is down")
        client = APIClient()
        with redis_down():
            listing = client.get(URL)
            detail = client.get(f"/api/comments/{comment.pk}/")
            counts = client.get(f"/api/comment-counts/?articles={SEED_SLUG}")
        self.assertEqual(listing.status_code, 200, listing.content)
        self.assertEqual([c["id"] for c in listing.json()["results"]], [comment.pk])
        self.assertEqual(detail.json()["body"], "Seen while Redis is down")
        self.assertEqual(counts.json(), {SEED_SLUG: 1})

    def test_the_html_form_keeps_working(self):
        with redis_down():
            response = Client().post(f"/articles/{SEED_SLUG}/", payload())
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Comment.objects.get().status, S.PENDING)

    @mock.patch.object(AnonSubmitThrottle, "THROTTLE_RATES", {"comment_submit": "2/min"})
    def test_submissions_are_still_throttled_per_process(self):
        client = APIClient()
        with redis_down():
            codes = [client.post(URL, payload(n), format="json").status_code for n in range(3)]
        self.assertEqual(codes, [202, 202, 429])
        self.assertEqual(Comment.objects.count(), 2)

    def test_an_approval_while_redis_is_down_is_served_at_once(self):
        # The page cache cannot be bumped; reads skip it while it is down,
        # and a stale page stored before the outage is never served.
        client = APIClient()
        self.assertEqual(client.get(URL).json()["results"], [])  # cached, empty
        comment = make_comment(self.article, status=S.REVIEW)
        with redis_down(), self.captureOnCommitCallbacks(execute=True):
            comment_approve(comment=comment, actor=self.editor)
        with redis_down():
            results = client.get(URL).json()["results"]
        self.assertEqual([c["id"] for c in results], [comment.pk])


class SharedOrLocalCacheTests(BaseTestCase):
    def test_falls_back_per_process_then_returns_to_redis(self):
        import time

        from django.conf import settings

        from newsroom.cache import shared_or_local

        redis_caches = settings.CACHES
        with cache_down():
            with self.assertLogs("newsroom.cache", "WARNING") as down:
                shared_or_local.set("fallback-probe", 1)
                shared_or_local.set("fallback-probe", 2)
            self.assertEqual(len(down.output), 1, "one line per outage, not per call")
            self.assertTrue(shared_or_local.is_down())
            self.assertEqual(shared_or_local.get("fallback-probe"), 2)  # kept locally
            # Within RETRY_SECONDS the dead Redis is not tried again.
            self.assertEqual(shared_or_local.get("fallback-probe"), 2)
            # Redis answers again; the retry interval passes.
            shared_or_local._down_until = time.monotonic() - 1
            with override_settings(CACHES=redis_caches):
                with self.assertLogs("newsroom.cache", "WARNING") as back:
                    self.assertIsNone(shared_or_local.get("fallback-probe"))
        self.assertIn("Shared cache is back", back.output[0])
        self.assertFalse(shared_or_local.is_down())


def test_comments_accepted_while_redis_was_down_are_checked_once_it_is_back(celery_worker):
    """The fast row "Redis down while posting": 202s, stored, then checked
    by a real worker once the sweep sees them after Redis returns."""
    seed_article()
    client = APIClient()
    with redis_down():
        responses = [client.post(URL, payload(n), format="json") for n in range(3)]
    assert [r.status_code for r in responses] == [202] * 3
    ids = sorted(r.json()["id"] for r in responses)
    assert sorted(Comment.objects.values_list("pk", flat=True)) == ids
    assert set(Comment.objects.values_list("status", flat=True)) == {S.PENDING}

    later = timezone.now() + timedelta(seconds=3600)
    assert comment_sweep_stuck(now=later) == 3

    def all_checked():
        return not Comment.objects.filter(status__in=[S.PENDING, S.CHECKING]).exists()

    wait_for(all_checked)
    for comment in Comment.objects.all():
        assert comment.check_attempts == 1
        assert comment.events.filter(to_status=S.CHECKING).count() == 0
        assert comment.spam_score is not None


def _queue_length() -> int:
    from newsroom.celery import app

    with app.connection_for_write() as conn:
        return conn.default_channel._size(app.conf.task_default_queue)


def _purge_queue() -> None:
    from newsroom.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)


@pytest.mark.django_db(transaction=True)
def test_sweep_adds_no_messages_for_a_backlog_and_replaces_lost_ones():
    """Worker stopped, 10 comments posted: their messages wait in the
    queue. A sweep past the time-out adds none; once the queue is lost
    (Redis restarted without it) the sweep sends one each; a worker then
    checks each comment exactly once."""
    from celery.contrib.testing.worker import start_worker

    from comments.services import comment_create
    from newsroom.celery import app

    article = seed_article()
    _purge_queue()
    for n in range(10):
        comment_create(article=article, **payload(n))
    assert _queue_length() == 10

    later = timezone.now() + timedelta(seconds=3600)
    assert comment_sweep_stuck(now=later) == 0
    assert _queue_length() == 10

    _purge_queue()
    assert comment_sweep_stuck(now=later) == 10
    assert _queue_length() == 10

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        wait_for(lambda: not Comment.objects.filter(status__in=[S.PENDING, S.CHECKING]).exists())
    assert list(Comment.objects.values_list("check_attempts", flat=True)) == [1] * 10
    assert _queue_length() == 0


def _routed_twice() -> list[int]:
    """Comments the checks routed more than once (a duplicated check)."""
    from django.db.models import Count

    from comments.models import ModerationEvent

    return list(
        ModerationEvent.objects.filter(from_status=S.CHECKING, actor__isnull=True)
        .exclude(to_status=S.PENDING)
        .values("comment")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("comment", flat=True)
    )


def test_duplicate_delivery_checks_a_comment_once(celery_worker):
    """The same check message delivered five times (same task id too)."""
    from comments.services import comment_create
    from comments.tasks import comment_check as task

    article = seed_article()
    comment = comment_create(article=article, **payload())
    for n in range(4):
        task.apply_async(args=[comment.pk], task_id=f"dup-{comment.pk}" if n % 2 else None)
    wait_for(lambda: _queue_length() == 0 and Comment.objects.get(pk=comment.pk).status == S.REVIEW)
    comment.refresh_from_db()
    assert comment.check_attempts == 1
    assert list(comment.events.order_by("id").values_list("from_status", "to_status")) == [
        ("", S.PENDING), (S.CHECKING, S.REVIEW),
    ]


@pytest.mark.worker
def test_worker_killed_mid_batch_loses_and_duplicates_nothing(transactional_db):
    """A real worker process (prefork, 2 children) is killed with SIGKILL
    while checking a batch; a new worker and the sweep finish the batch:
    every comment checked, none routed twice, none stuck, none published."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from celery.contrib.testing.worker import start_worker
    from django.db import connection

    from comments.services import comment_create
    from newsroom.celery import app

    article = seed_article()
    _purge_queue()
    total = 150
    for n in range(total):
        comment_create(article=article, **payload(n))
    db = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "DJANGO_SETTINGS_MODULE": "newsroom.test_settings"}
    celery = Path(sys.executable).with_name("celery")
    worker = subprocess.Popen(
        [str(celery), "-A", "newsroom", "worker", "-c", "2", "-l", "warning", "--without-mingle",
         "--without-gossip", "-n", f"killed-{os.getpid()}@%h"],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        def some_checked():
            return Comment.objects.filter(status=S.REVIEW).count() >= 10

        wait_for(some_checked, timeout=60, interval=0.02)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    left = Comment.objects.filter(status__in=[S.PENDING, S.CHECKING]).count()
    assert left > 0, "the worker finished before it was killed"

    # The sweep runs past the time-out; a new worker drains the queue.
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        later = timezone.now() + timedelta(seconds=3600)
        comment_sweep_stuck(now=later)

        def all_checked():
            return not Comment.objects.filter(status__in=[S.PENDING, S.CHECKING]).exists()

        wait_for(all_checked, timeout=60)
    assert Comment.objects.count() == total
    assert Comment.objects.filter(status=S.REVIEW).count() == total
    assert _routed_twice() == []
    assert not Comment.objects.filter(check_attempts__gt=2).exists()


def test_a_retry_held_by_a_worker_for_its_countdown_counts_as_waiting(celery_worker):
    """A retry's message sits in the worker (unacknowledged) until its ETA:
    the sweep leaves it alone until the ETA is past the time-out."""
    from comments.tasks import comment_check as task

    article = seed_article()
    comment = make_comment(article)
    Comment.objects.filter(pk=comment.pk).update(
        status_changed_at=timezone.now() - timedelta(days=1)
    )
    start = timezone.now()
    task.apply_async(args=[comment.pk], countdown=100)  # the longest is 120 s
    wait_for(lambda: _queue_length() == 0)  # taken, held until its ETA
    # Time-out 120 s: at +200 s the ETA (+100 s) is not yet overdue.
    assert comment_sweep_stuck(now=start + timedelta(seconds=200)) == 0
    # At +300 s it is: the message is taken to be lost.
    assert comment_sweep_stuck(now=start + timedelta(seconds=300)) == 1


class ReclaimingChecker:
    """A checker during whose run the sweep hands the comment to another
    worker (this one was cut off from the network, or too slow)."""

    name = "reclaiming"

    def check(self, sample):
        from comments.services import _claim
        from detection.classifiers.base import CheckResult

        Comment.objects.filter(pk=sample.comment_id).update(
            status=S.PENDING, status_changed_at=timezone.now()
        )
        assert _claim(sample.comment_id)
        return CheckResult(spam=0.99)


class StaleWorkerTests(BaseTestCase):
    @override_settings(COMMENT_CHECKERS=["tests.test_faults.ReclaimingChecker"])
    def test_a_worker_whose_claim_was_taken_over_does_not_route_the_comment(self):
        from comments.services import comment_check

        comment = make_comment(self.article)
        self.assertIsNone(comment_check(comment_id=comment.pk))
        comment.refresh_from_db()
        # The other worker's claim stands; nothing was written or routed.
        self.assertEqual((comment.status, comment.check_attempts), (S.CHECKING, 2))
        self.assertIsNone(comment.spam_score)
        self.assertFalse(comment.events.filter(from_status=S.CHECKING).exists())
