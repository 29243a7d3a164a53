"""What the optional hosted checkers share: turning HTTP failures into
``TransientCheckError`` / ``PermanentCheckError`` with messages an editor can
read ("Akismet unavailable (timeout after 3 s)").

Hosted checkers set ``hosted = True``. The pipeline treats their failures
differently from a local checker's: see ``detection.classifiers.pipeline``.
"""

from __future__ import annotations

import httpx

from detection.classifiers.base import PermanentCheckError, TransientCheckError


def seconds(value: float) -> str:
    return f"{value:g} s"


def http_error(service: str, exc: Exception, *, timeout: float) -> Exception:
    """The check error for an httpx failure talking to ``service``.

    Time-outs, connection errors and 5xx answers are worth retrying; a 4xx
    means the request itself (or the credentials) is wrong.
    """
    if isinstance(exc, httpx.TimeoutException):
        return TransientCheckError(f"{service} unavailable (timeout after {seconds(timeout)})")
    if isinstance(exc, httpx.HTTPStatusError):
        code = exc.response.status_code
        if code >= 500 or code == 429:
            return TransientCheckError(f"{service} unavailable (HTTP {code})")
        return PermanentCheckError(f"{service} refused the request (HTTP {code})")
    if isinstance(exc, httpx.TransportError):
        return TransientCheckError(f"{service} unavailable (connection failed)")
    return PermanentCheckError(f"{service} failed ({type(exc).__name__})")
