"""Test-only settings, in one place (as in Styleguide-Example's test.py).

Tests run against real PostgreSQL and real Redis: `make test` sets
DATABASE_URL and REDIS_URL and starts what is missing.
"""

import hashlib
import os

# Never the checkout's .env from `make run` (DEBUG=1, SQLite): tests set their own.
os.environ["NEWSROOM_ENV_FILE"] = ""
os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
# NEWSROOM_TEST_NAME keeps parallel test runs (several checkouts on one
# machine) apart: their own test database, Celery queue and cache key
# prefix, and a Redis database of their own (NEWSROOM_TEST_REDIS_DB, or
# one of 1-15 picked by the name; two names that pick the same one are
# still kept apart by the queue and the prefix).
_name = os.environ.get("NEWSROOM_TEST_NAME", "newsroom")
_redis_db = os.environ.get("NEWSROOM_TEST_REDIS_DB") or str(
    1 + int(hashlib.sha256(_name.encode()).hexdigest(), 16) % 15
)
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{_name}")
os.environ.setdefault("REDIS_URL", f"redis://127.0.0.1:6379/{_redis_db}")
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
if "KEY_PREFIX" in CACHES["default"]:  # noqa: F405
    CACHES = {**CACHES, "default": {**CACHES["default"], "KEY_PREFIX": f"newsroom-{_name}"}}  # noqa: F405
# Editors' list changes take effect at once in tests.
COMMENT_LISTS_RECHECK_SECONDS = 0
# The fake partner servers of the webhook tests listen on 127.0.0.1.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
