import os
from contextlib import contextmanager
import time
from pathlib import Path

import pytest

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", Path(__file__).resolve().parent.parent / "test-artifacts"))


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker, in a thread, consuming from the real Redis
    broker and writing to the real (test) PostgreSQL database."""
    from celery.contrib.testing.worker import start_worker

    from newsroom.celery import app

    with app.connection_for_write() as conn:
        # Drop messages left by earlier tests (their comments are gone).
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def wait_for(predicate, timeout=20.0, interval=0.1):
    """Poll until predicate() is truthy; return its value or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {predicate.__doc__ or predicate}")


@pytest.fixture(autouse=True)
def _fresh_content_types():
    """Transactional tests flush the tables and recreate content types with
    new ids; the manager's in-process cache must not serve the old ones."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _empty_django_cache():
    """Each test starts with no cached API pages or throttle counters.
    Only the cache's own keys go: the Celery queue shares the Redis db."""
    from django.conf import settings
    from django.core.cache import cache

    prefix = settings.CACHES["default"].get("KEY_PREFIX")
    client = getattr(cache, "_cache", None)
    if prefix and client is not None and hasattr(client, "get_client"):
        redis = client.get_client(write=True)
        keys = list(redis.scan_iter(f"{prefix}:*", count=1000))
        if keys:
            redis.delete(*keys)
    from newsroom.cache import shared_or_local

    shared_or_local.reset()
    yield


def closed_port() -> int:
    """A local port where nothing listens: a real refused connection."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def cache_down():
    """Point the Django cache at a port where nothing listens, as when
    Redis is down, and forget the fallback's state on the way out."""
    from django.conf import settings
    from django.test import override_settings

    from newsroom.cache import shared_or_local

    down = {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}
    try:
        with override_settings(CACHES={**settings.CACHES, "default": down}):
            yield
    finally:
        shared_or_local.reset()


@pytest.fixture(autouse=True)
def _redis_database_kept():
    """No test may empty the Redis database (``cache.clear()`` is a
    FLUSHDB): the Celery queue and the other tests' keys live in it. A key
    outside the cache's prefix must outlive every test."""
    import redis as redis_py
    from django.conf import settings

    if not settings.REDIS_URL:
        yield
        return
    # The broker's database itself, whatever a test does to the cache.
    redis = redis_py.Redis.from_url(settings.REDIS_URL)
    sentinel = f"{settings.CELERY_TASK_DEFAULT_QUEUE}:sentinel"
    redis.set(sentinel, "1")
    yield
    kept = redis.get(sentinel) == b"1"
    redis.delete(sentinel)
    assert kept, "This test emptied the Redis database the broker shares (cache.clear()?)"


@pytest.fixture(autouse=True)
def _queue_left_empty(request):
    """What a test without a worker enqueued (on-commit checks and webhook
    deliveries of the real broker) goes with it: no later test, and no
    later run under the same name, finds messages for rows that are gone.
    Worker tests empty the queue when their worker starts."""
    yield
    if request.node.get_closest_marker("worker") is None:
        from tests.broker import queue_purge

        queue_purge()
