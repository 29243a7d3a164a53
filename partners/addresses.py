"""Where webhooks may be sent: public addresses only.

A webhook URL is typed into the admin and fetched by a worker inside the
newsroom's network; without this check it could point at the database, the
cloud metadata service or an intranet page (server-side request forgery).
``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` (on in development and tests, off in
production) lets partners on the same network through.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


def webhook_url_problem(url: str) -> str | None:
    """Why a webhook may not be sent to ``url``, or None.

    Resolves the host name: every address it has must be public (checked
    again before each delivery, as DNS answers change)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "This is not a valid URL."
    if parts.scheme not in ("http", "https") or not host:
        return "Use an http:// or https:// URL."
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return None
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return f"The host {host} could not be resolved."
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global:
            return (
                f"{host} resolves to {address}, which is not a public address; "
                "webhooks are only sent to public addresses (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)."
            )
    return None
