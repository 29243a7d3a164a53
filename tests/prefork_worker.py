"""The Celery app of the test worker subprocess (``celery -A
tests.prefork_worker worker -P prefork``) that tests/comments/
test_worker_lost.py kills mid-task or lets overrun its time limit.

It is the project's app with tests/prefork_settings.py (this module's
``SlowChecker`` as the only checker, a visibility timeout the test
chooses), plus a record in Redis of
every task run (name, id, args, pid) and of every check started, which the
tests read. The checker, by the comment's body: ``[hang]`` sleeps on the
first check of the comment (until the test kills the process), quick after;
``[overrun]`` sleeps through the soft time limit into the hard one;
``[slow]`` sleeps until the soft time limit interrupts it.
"""

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.prefork_settings")

# isort: split
import time

import redis
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import task_prerun
from django.conf import settings

from detection.classifiers.base import CheckResult
from newsroom.celery import app

RUNS_KEY = f"{os.environ.get('NEWSROOM_TEST_NAME', 'newsroom')}:prefork:runs"
CHECKS_KEY = f"{os.environ.get('NEWSROOM_TEST_NAME', 'newsroom')}:prefork:checks"


def _redis():
    return redis.Redis.from_url(settings.REDIS_URL)


def _record_run(task_id=None, task=None, args=None, **kwargs):
    _redis().rpush(RUNS_KEY, json.dumps([task.name, task_id, list(args or []), os.getpid()]))


# Only in the worker subprocess: the test imports the keys above, and its
# own in-process workers must not record anything.
if os.environ["DJANGO_SETTINGS_MODULE"] == "tests.prefork_settings":
    task_prerun.connect(_record_run)


class SlowChecker:
    name = "slow"

    def check(self, sample):
        client = _redis()
        started = client.incr(f"{CHECKS_KEY}:{sample.comment_id}")
        client.rpush(CHECKS_KEY, json.dumps([sample.comment_id, os.getpid()]))
        if "[hang]" in sample.body and started == 1:
            self._sleep(60, ignore_soft_limit=True)
        if "[overrun]" in sample.body:
            self._sleep(60, ignore_soft_limit=True)
        if "[slow]" in sample.body:
            self._sleep(60, ignore_soft_limit=False)
        return CheckResult()

    @staticmethod
    def _sleep(seconds, *, ignore_soft_limit):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                time.sleep(0.05)
            except SoftTimeLimitExceeded:
                if not ignore_soft_limit:
                    raise
