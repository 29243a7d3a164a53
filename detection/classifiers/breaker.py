"""A circuit breaker per hosted checker, shared by every worker.

A hosted service that fails (time-outs, 5xx, refused connections, answers
that make no sense) is not called again and again: after
HOSTED_BREAKER_FAILURES failures within HOSTED_BREAKER_WINDOW seconds the
breaker opens and the service is skipped for HOSTED_BREAKER_COOLDOWN
seconds. A skipped service contributes no score and holds the comment for
review with a reason naming it, like any failure on the last try
(``detection.classifiers.pipeline``), but costs nothing: checking runs at
the local checkers' speed while the service is down. Once the cool-down
ends one check (the first to ask) probes the service; a failure opens the
breaker again at once, a success closes it.

The state lives in the shared cache (Redis), so that all workers see one
breaker; while Redis is down each process keeps its own
(``newsroom.cache``).
"""

from __future__ import annotations

import logging

from django.conf import settings

from newsroom.cache import shared_or_local

logger = logging.getLogger(__name__)


def _keys(service: str) -> tuple[str, str, str]:
    base = "breaker:" + "-".join(service.lower().split())
    return f"{base}:failures", f"{base}:open", f"{base}:probe"


def skip_reason(service: str) -> str:
    """Why ``service`` must not be called now, or "" to call it."""
    failures_key, open_key, probe_key = _keys(service)
    state = shared_or_local.call(lambda c: c.get_many([failures_key, open_key]))
    last_error = state.get(open_key)
    if last_error is not None:
        cooldown = settings.HOSTED_BREAKER_COOLDOWN
        return (
            f"{service} not called: it failed {settings.HOSTED_BREAKER_FAILURES} times "
            f"within {settings.HOSTED_BREAKER_WINDOW} s (last: {last_error}); "
            f"tried again after a {cooldown} s cool-down"
        )
    if (state.get(failures_key) or 0) >= settings.HOSTED_BREAKER_FAILURES:
        # Half-open: the cool-down is over and one check probes the service.
        timeout = settings.HOSTED_BREAKER_WINDOW
        if not shared_or_local.call(lambda c: c.add(probe_key, 1, timeout=timeout)):
            return f"{service} not called: another check is testing whether it is back"
    return ""


def record_failure(service: str, error: Exception) -> None:
    failures_key, open_key, probe_key = _keys(service)
    threshold = settings.HOSTED_BREAKER_FAILURES
    cooldown = settings.HOSTED_BREAKER_COOLDOWN

    def count(cache) -> int:
        # The window starts at the first failure; the count outlives the
        # cool-down, so that a failed probe opens the breaker again at once.
        cache.add(failures_key, 0, timeout=settings.HOSTED_BREAKER_WINDOW)
        return cache.incr(failures_key)

    try:
        failures = shared_or_local.call(count)
    except ValueError:  # the counter expired between add and incr
        failures = 1
    if failures >= threshold:
        def trip(cache) -> None:
            cache.set(open_key, str(error), timeout=cooldown)
            cache.set(failures_key, threshold, timeout=cooldown + settings.HOSTED_BREAKER_WINDOW)
            cache.delete(probe_key)

        shared_or_local.call(trip)
        logger.warning(
            "%s failed %d times (last: %s); not called for %d s", service, failures, error, cooldown
        )


def record_success(service: str) -> None:
    failures_key, _open_key, probe_key = _keys(service)
    if shared_or_local.call(lambda c: c.get(failures_key)):
        shared_or_local.call(lambda c: c.delete_many([failures_key, probe_key]))
        logger.info("%s answers again; breaker closed", service)
