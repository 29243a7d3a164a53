"""Liveness and readiness probes for load balancers and orchestrators."""

import logging

from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse

from newsroom.celery import app as celery_app

logger = logging.getLogger(__name__)


def healthz(request):
    """The process is alive. Touches nothing else."""
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)


def _cache() -> None:
    caches["default"].get("readyz")


def _failure(name: str, probe) -> str:
    try:
        probe()
    except Exception as exc:  # any failure counts
        logger.warning("readyz: %s unavailable: %s", name, exc)
        return f"{type(exc).__name__}: {exc}"[:200]
    return ""


def readyz(request):
    """Whether this web process can take traffic.

    Without the database nothing can be stored: 503 naming it. Without the
    broker or the cache (Redis) comments are still accepted and stored
    (the sweep queues their checks once the broker is back; throttles count
    per process): 200 with ``"status": "degraded"`` and what is down, so a
    load balancer keeps sending readers here while monitoring sees it.
    """
    failed = {name: error for name, probe in (("database", _database),) if (error := _failure(name, probe))}
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed}, status=503)
    degraded = {
        name: error
        for name, probe in (("broker", _broker), ("cache", _cache))
        if (error := _failure(name, probe))
    }
    checks = ["database", "broker", "cache"]
    if degraded:
        return JsonResponse({"status": "degraded", "degraded": degraded, "checks": checks})
    return JsonResponse({"status": "ok", "checks": checks})
