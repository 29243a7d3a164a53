"""The shared cache (Redis) with a per-process fallback, for callers that
must keep working while Redis is down: the API throttles, the hosted
checkers' circuit breaker (``detection.classifiers.breaker``).

``shared_or_local.call(fn)`` runs ``fn(cache)`` on the shared cache; when
that raises (Redis refused, timed out, went away), it runs ``fn`` again on
a cache local to this process and logs, once per outage, that it did. For
RETRY_SECONDS after a failure the shared cache is not tried at all, so a
request does not wait for a connection time-out on every call; then one
call tries it again, and the log says when it is back.

What degrades: a counter kept in the local cache counts this process's
requests only, so with N web processes a throttled client may get N times
its rate while Redis is down. Nothing is refused because Redis is down.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_SECONDS = 5.0


class SharedOrLocalCache:
    """Django's cache API, served by the shared cache while it answers and
    by a per-process LocMemCache while it does not (see the module doc)."""

    def __init__(self, alias: str = "default", *, name: str = "shared-or-local") -> None:
        self.alias = alias
        self.local = LocMemCache(name, {"OPTIONS": {"MAX_ENTRIES": 100_000}})
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def shared(self):
        return caches[self.alias]

    def is_down(self) -> bool:
        """Whether the shared cache failed in the last RETRY_SECONDS."""
        return time.monotonic() < self._down_until

    def call(self, fn: Callable[[Any], T]) -> T:
        if not self.is_down():
            try:
                result = fn(self.shared)
            except (ValueError, TypeError, KeyError):
                raise  # an answer (incr of a missing key) or a bug, not an outage
            except Exception as exc:  # redis-py raises many types when down
                self._mark_down(exc)
            else:
                self._mark_up()
                return result
        return fn(self.local)

    def reset(self) -> None:
        """Forget failures and local counts (tests)."""
        self._down_until = 0.0
        self.local.clear()

    def _mark_down(self, exc: Exception) -> None:
        with self._lock:
            first = self._down_until == 0.0
            self._down_until = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning(
                "Shared cache unavailable (%s: %s); throttles count per process until it is back",
                type(exc).__name__, exc,
            )

    def _mark_up(self) -> None:
        if self._down_until:
            with self._lock:
                self._down_until = 0.0
            logger.warning("Shared cache is back; throttles count in it again")

    # The calls DRF's throttles make, through the fallback.
    def get(self, key, default=None, version=None):
        return self.call(lambda c: c.get(key, default, version=version))

    def set(self, key, value, timeout=None, version=None):
        return self.call(lambda c: c.set(key, value, timeout=timeout, version=version))

    def add(self, key, value, timeout=None, version=None):
        return self.call(lambda c: c.add(key, value, timeout=timeout, version=version))

    def incr(self, key, delta=1, version=None):
        return self.call(lambda c: c.incr(key, delta, version=version))

    def delete(self, key, version=None):
        return self.call(lambda c: c.delete(key, version=version))

    def get_many(self, keys, version=None):
        return self.call(lambda c: c.get_many(keys, version=version))

    def touch(self, key, timeout=None, version=None):
        return self.call(lambda c: c.touch(key, timeout=timeout, version=version))


# One per process, shared by every throttle class.
shared_or_local = SharedOrLocalCache()
_fallbacks: dict[str, SharedOrLocalCache] = {"default": shared_or_local}


class FallbackCache(BaseCache):
    """``SharedOrLocalCache`` as a cache backend, for a library that takes
    a cache alias (django-axes' sign-in counters: ``AXES_CACHE``).

    ``LOCATION`` names the shared cache's alias. Keys go to it unprefixed
    (it applies its own KEY_PREFIX); the outage state is one per process
    and location, shared with the throttles for ``default``.
    """

    def __init__(self, location, params):
        super().__init__(params)
        alias = location or "default"
        self._via = _fallbacks.setdefault(alias, SharedOrLocalCache(alias, name=f"fallback-{alias}"))

    def get(self, key, default=None, version=None):
        return self._via.get(key, default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        timeout = None if timeout is DEFAULT_TIMEOUT else timeout
        if timeout is None:
            return self._via.call(lambda c: c.set(key, value, version=version))
        return self._via.set(key, value, timeout=timeout, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if timeout is DEFAULT_TIMEOUT:
            return self._via.call(lambda c: c.add(key, value, version=version))
        return self._via.add(key, value, timeout=timeout, version=version)

    def incr(self, key, delta=1, version=None):
        return self._via.incr(key, delta, version=version)

    def delete(self, key, version=None):
        return self._via.delete(key, version=version)

    def get_many(self, keys, version=None):
        return self._via.get_many(keys, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        if timeout is DEFAULT_TIMEOUT:
            return self._via.call(lambda c: c.touch(key, version=version))
        return self._via.touch(key, timeout=timeout, version=version)

    def has_key(self, key, version=None):
        return self._via.call(lambda c: c.has_key(key, version=version))

    def clear(self):
        return self._via.call(lambda c: c.clear())
