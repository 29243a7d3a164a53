"""What ``acks_late``, ``reject_on_worker_lost`` and the time limits of the
check task promise, with a real prefork worker in a subprocess
(tests/prefork_worker.py) on the real Redis broker and PostgreSQL.

The solo worker of the other worker tests runs tasks in the test process:
it can neither lose a pool process nor enforce a time limit.
"""

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from comments.models import Comment, CommentStatus
from comments.services import comment_create, comment_sweep_stuck
from newsroom.celery import app as celery_app
from tests.base import seed_article
from tests.broker import queue_purge
from tests.conftest import wait_for
from tests.prefork_worker import CHECKS_KEY, RUNS_KEY

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
S = CommentStatus


class PreforkWorker:
    """``celery worker -P prefork -c 1`` in its own process group."""

    def __init__(self, *, log: Path, visibility_timeout: int):
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.prefork_settings",
            # The test database, which this test's transactions commit to.
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
            "NEWSROOM_TEST_VISIBILITY_TIMEOUT": str(visibility_timeout),
            # A hanging partner is killed by the test, not timed out.
            "WEBHOOK_TIMEOUT": "30",
        }
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "tests.prefork_worker", "worker",
                "-P", "prefork", "-c", "1", "-Q", celery_app.conf.task_default_queue,
                "-n", f"prefork-{log.stem}@%h", "--without-gossip", "--without-mingle",
                "--without-heartbeat", "-l", "INFO",
            ],
            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self):
        def ready():
            """the worker to say it is ready"""
            assert self.process.poll() is None, f"the worker exited:\n{self.output()}"
            return " ready." in self.output()

        wait_for(ready, timeout=60)

    def kill(self):
        """SIGKILL to the whole worker, parent and pool, as a lost machine."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def redis_client():
    return redis.Redis.from_url(settings.REDIS_URL)


@pytest.fixture
def prefork_worker(transactional_db, tmp_path, redis_client):
    """Start workers with ``prefork_worker()``; all are stopped after.
    The broker's visibility timeout is an hour, as in production, unless
    the test says otherwise: nothing is redelivered by it by accident."""
    workers = []

    def clean():
        queue_purge()
        redis_client.delete(RUNS_KEY, CHECKS_KEY, *redis_client.scan_iter(f"{CHECKS_KEY}:*"))

    def start(*, visibility_timeout=3600):
        worker = PreforkWorker(log=tmp_path / f"worker{len(workers)}.log", visibility_timeout=visibility_timeout)
        workers.append(worker)
        worker.wait_ready()
        return worker

    clean()
    yield start
    for worker in workers:
        worker.stop()
    clean()


def checks_started(client) -> list[tuple[int, int]]:
    """(comment id, pid) of every check the slow checker began."""
    return [tuple(json.loads(x)) for x in client.lrange(CHECKS_KEY, 0, -1)]


def check_runs(client, comment_id) -> list[tuple[str, int]]:
    """(task id, pid) of every run of the check task for this comment."""
    runs = [json.loads(x) for x in client.lrange(RUNS_KEY, 0, -1)]
    return [(task_id, pid) for name, task_id, args, pid in runs if name == "comments.check_comment" and args == [comment_id]]


def post(body):
    return comment_create(
        article=seed_article(), author_name="Kim", author_email="kim@example.org", body=body
    )


def status_of(pk):
    return Comment.objects.values_list("status", flat=True).get(pk=pk)


def history(comment):
    return list(comment.events.order_by("id").values_list("from_status", "to_status"))


def sweep_and_finish(comment):
    """The comment sits in `checking` with nobody checking it: the sweep
    (once COMMENT_CHECK_TIMEOUT has passed) queues it again."""
    Comment.objects.filter(pk=comment.pk).update(status_changed_at=timezone.now() - timedelta(minutes=10))
    assert comment_sweep_stuck() == 1
    wait_for(lambda: status_of(comment.pk) == S.REVIEW)


def test_a_pool_process_killed_mid_check_gets_its_message_redelivered(prefork_worker, redis_client):
    prefork_worker()
    comment = post("A check that dies halfway [hang]")
    [(_, pid)] = wait_for(lambda: checks_started(redis_client))
    os.kill(pid, signal.SIGKILL)  # the pool process, mid-check

    # reject_on_worker_lost: the message goes back to the queue at once
    # and a new pool process takes it; the claim keeps it from checking
    # the comment a second time while nobody knows whether the first died.
    runs = wait_for(lambda: len(check_runs(redis_client, comment.pk)) >= 2 and check_runs(redis_client, comment.pk))
    assert runs[0][0] == runs[1][0]  # the same message
    assert runs[0][1] == pid != runs[1][1]
    assert status_of(comment.pk) == S.CHECKING

    sweep_and_finish(comment)
    comment.refresh_from_db()
    assert len(checks_started(redis_client)) == 2  # the killed one, and one to the end
    assert comment.check_attempts == 2
    assert history(comment) == [("", S.PENDING), (S.CHECKING, S.PENDING), (S.CHECKING, S.REVIEW)]


def test_a_worker_killed_whole_mid_check_gets_its_message_redelivered_elsewhere(prefork_worker, redis_client):
    first = prefork_worker(visibility_timeout=3)
    comment = post("A machine that dies halfway [hang]")
    wait_for(lambda: checks_started(redis_client))
    first.kill()  # parent and pool: nobody acks or rejects the message

    # acks_late: the message was not acknowledged, so another worker gets
    # it once the broker's visibility timeout passes (3 s here).
    prefork_worker(visibility_timeout=3)
    runs = wait_for(lambda: len(check_runs(redis_client, comment.pk)) >= 2 and check_runs(redis_client, comment.pk))
    assert runs[0][0] == runs[1][0]
    assert status_of(comment.pk) == S.CHECKING

    sweep_and_finish(comment)
    comment.refresh_from_db()
    assert len(checks_started(redis_client)) == 2
    assert history(comment) == [("", S.PENDING), (S.CHECKING, S.PENDING), (S.CHECKING, S.REVIEW)]


def test_a_check_over_its_time_limits_goes_to_an_editor(prefork_worker, monkeypatch):
    from comments.tasks import comment_check

    # The message carries the task's limits (20 s / 30 s): seconds here.
    monkeypatch.setattr(comment_check, "soft_time_limit", 1)
    monkeypatch.setattr(comment_check, "time_limit", 2)
    monkeypatch.setattr(comment_check, "_exec_options", None)  # Celery's cache of them
    prefork_worker()
    slow = post("Stopped by the soft time limit [slow]")
    overrun = post("Killed by the hard time limit [overrun]")
    wait_for(lambda: status_of(slow.pk) == status_of(overrun.pk) == S.REVIEW)
    for comment, error in ((slow, "SoftTimeLimitExceeded"), (overrun, "TimeLimitExceeded")):
        comment.refresh_from_db()
        assert comment.reasons[-1]["message"] == f"Automatic checks failed ({error}); held for an editor"
        assert history(comment) == [("", S.PENDING), (S.CHECKING, S.REVIEW)]
        assert comment.events.last().reason == f"Automatic checks failed: {error}"


def test_a_pool_process_killed_mid_webhook_gets_its_delivery_sent(prefork_worker, redis_client):
    """The delivery task has no claim: its message, redelivered, sends the
    delivery the killed process never finished (and logged no attempt
    of). The partner gets it twice under one delivery id, to de-duplicate."""
    from comments.services import comment_approve
    from partners.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
    from tests.base import ensure_editors_group, make_editor
    from tests.partners.fake_webhook import FakeWebhookServer

    ensure_editors_group()
    editor = make_editor("edna", "pw")
    prefork_worker()
    comment = post("Sent to partners")
    wait_for(lambda: status_of(comment.pk) == S.REVIEW)
    with FakeWebhookServer(statuses=[200], delay=60) as server:
        WebhookEndpoint.objects.create(name="Partner", url=server.url)
        comment_approve(comment=comment, actor=editor)
        delivery = WebhookDelivery.objects.get()
        wait_for(lambda: server.requests)  # the first POST hangs
        [(_, pid)] = [
            (task_id, pid) for name, task_id, args, pid in map(json.loads, redis_client.lrange(RUNS_KEY, 0, -1))
            if name == "partners.deliver_webhook"
        ]
        server.delay = 0
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SUCCEEDED)
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert [r["headers"]["X-Newsroom-Delivery"] for r in server.requests] == [str(delivery.uuid)] * 2
