"""Test-only settings, in one place (as in Styleguide-Example's test.py).

Tests run against real PostgreSQL and real Redis: `make test` sets
DATABASE_URL and REDIS_URL and starts what is missing.
"""

import os

# Never the checkout's .env from `make run` (DEBUG=1, SQLite): tests set their own.
os.environ["NEWSROOM_ENV_FILE"] = ""
os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
# NEWSROOM_TEST_NAME keeps parallel test runs (several checkouts on one
# machine) apart: their own test database, Redis database and queue.
_name = os.environ.get("NEWSROOM_TEST_NAME", "newsroom")
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{_name}")
os.environ.setdefault("REDIS_URL", f"redis://127.0.0.1:6379/{os.environ.get('NEWSROOM_TEST_REDIS_DB', '15')}")
os.environ.setdefault("SECURE_COOKIES", "0")

from newsroom.settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Throttles are exercised by their own tests with explicit rates.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {  # noqa: F405
    "anon": "10000/min", "user": "10000/min", "comment_submit": "10000/min",
}}
FORM_THROTTLE_COMMENT = FORM_THROTTLE_REPORT = "10000/min"
CELERY_TASK_DEFAULT_QUEUE = f"{_name}-test"
# Editors' list changes take effect at once in tests.
COMMENT_LISTS_RECHECK_SECONDS = 0
# The fake partner servers of the webhook tests listen on 127.0.0.1.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
