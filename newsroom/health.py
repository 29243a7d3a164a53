"""Liveness and readiness probes for load balancers and orchestrators."""

import logging

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


def readyz(request):
    """The database and the Celery broker answer; 503 naming what failed."""
    failed = {}
    for name, probe in (("database", _database), ("broker", _broker)):
        try:
            probe()
        except Exception as exc:  # any failure means "not ready"
            logger.warning("readyz: %s unavailable: %s", name, exc)
            failed[name] = f"{type(exc).__name__}: {exc}"[:200]
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed}, status=503)
    return JsonResponse({"status": "ok", "checks": ["database", "broker"]})
