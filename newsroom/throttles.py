"""Rate limits keyed on the real client, for the API and the HTML forms.

Every throttle names a client by ``newsroom.http.client_ip``, which reads
``X-Forwarded-For`` only as far back as ``TRUSTED_PROXY_COUNT`` proxies:
a header the client wrote itself never buys it a fresh budget. DRF's own
``get_ident`` trusts the whole header when ``NUM_PROXIES`` is unset, so no
throttle here uses it.

Counts live in the cache (Redis in production) in fixed windows, one
atomic INCR per request; per process while Redis is down
(``newsroom.cache``).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from newsroom.cache import shared_or_local
from newsroom.http import client_ip


def count_in_window(cache, key: str, ttl: int) -> int:
    """Add one to a counter that expires after ttl seconds; return it."""
    backend = getattr(cache, "_cache", None)
    if backend is not None and hasattr(backend, "get_client"):
        # Redis: INCR and EXPIRE in one round trip, atomic per command.
        full_key = cache.make_and_validate_key(key)
        pipe = backend.get_client(full_key, write=True).pipeline(transaction=False)
        pipe.incr(full_key)
        pipe.expire(full_key, ttl)
        return pipe.execute()[0]
    cache.add(key, 0, timeout=ttl)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=ttl)
        return 1


class FixedWindowMixin:
    """Count requests per fixed window with one atomic Redis INCR, instead
    of DRF's list of timestamps (which is read, filtered and written back
    whole on every request: O(rate) work at high rates). A client may burst
    up to twice its rate across a window boundary.

    While Redis is down the count is kept per process (``newsroom.cache``):
    requests are still counted and served, never refused for the outage."""

    cache = shared_or_local

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        key, ttl = f"{self.key}:{window}", self.duration + 1
        count = self.cache.call(lambda cache: count_in_window(cache, key, ttl))
        self.window_end = (window + 1) * self.duration
        self.now = now
        return count <= self.num_requests

    def wait(self):
        return max(1, int(self.window_end - self.now + 0.999))


class ClientIdentMixin:
    """Name the client by ``client_ip()`` (TRUSTED_PROXY_COUNT), never by
    the raw X-Forwarded-For header. Put it first in a throttle's bases."""

    def get_ident(self, request):
        return client_ip(request)


class ClientRateThrottle(ClientIdentMixin, FixedWindowMixin, SimpleRateThrottle):
    """The project's base throttle: fixed windows, keyed on the client."""


class FormThrottle(ClientRateThrottle):
    """A per-client limit on an HTML form's POSTs (the comment form, edits,
    reports). Its rate is the setting named ``FORM_THROTTLE_<SCOPE>``, read
    on every request."""

    def __init__(self, scope: str):
        self.scope = scope
        self.rate = getattr(settings, f"FORM_THROTTLE_{scope.upper()}")
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": f"form_{self.scope}", "ident": self.get_ident(request)}


def form_throttle_wait(request, *, scope: str) -> int | None:
    """Count one POST of an HTML form from this client. None while it is
    within its rate; else how many seconds it should wait."""
    throttle = FormThrottle(scope)
    if throttle.allow_request(request, None):
        return None
    return throttle.wait()


def form_throttle_message(wait: int) -> str:
    return (
        f"Too many requests from your address. Nothing was sent: please try again "
        f"in {wait} second{'s' if wait != 1 else ''}."
    )
