"""Request helpers shared by the HTML views and the API."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address. X-Forwarded-For is read only as far back as
    TRUSTED_PROXY_COUNT proxies: further entries can be forged by anyone."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def hash_ip(ip: str) -> str:
    """A keyed hash of an IP address, so that it can be matched (bans, rate
    limits) without ever being stored."""
    if not ip:
        return ""
    key = hashlib.sha256(b"newsroom-ip:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()


def client_ip_hash(request: HttpRequest) -> str:
    """The client's address as a keyed hash: what sign-in lockouts count
    and log (django-axes), so no address is kept in clear."""
    return hash_ip(client_ip(request))
