"""Settings of the test worker subprocess (tests/prefork_worker.py): the
test settings, with its slow checker and the Redis visibility timeout from
NEWSROOM_TEST_VISIBILITY_TIMEOUT (seconds; an hour, as in production, when
unset)."""

import os

from newsroom.test_settings import *  # noqa: F403

COMMENT_CHECKERS = ["tests.prefork_worker.SlowChecker"]
# An unacknowledged message is redelivered after the visibility timeout,
# looked for every second.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "visibility_timeout": int(os.environ.get("NEWSROOM_TEST_VISIBILITY_TIMEOUT", "3600")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
