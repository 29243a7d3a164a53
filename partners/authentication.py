"""API-key authentication, scopes and per-key throttles for partner apps."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from newsroom.cache import shared_or_local
from newsroom.env import RATE_PATTERN
from newsroom.throttles import ClientIdentMixin, ClientRateThrottle, FixedWindowMixin
from partners.models import ApiKey
from partners.selectors import api_key_get_active


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>`` or ``X-Api-Key: <key>``.

    The request runs as an anonymous user with ``request.auth`` set to the
    ApiKey. A wrong, revoked or malformed key is a 401, never a silent
    fall-back to anonymous.
    """

    keyword = "Api-Key"

    def authenticate(self, request):
        raw = request.headers.get("X-Api-Key", "")
        header = request.headers.get("Authorization", "")
        if header.startswith(self.keyword + " "):
            raw = header[len(self.keyword) + 1:]
        elif header.lower().startswith(self.keyword.lower()):
            raise exceptions.AuthenticationFailed("Invalid Api-Key header: use 'Api-Key <key>'.")
        raw = raw.strip()
        if not raw:
            return None
        key = api_key_get_active(raw=raw)
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            # At most one write a minute per key.
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return AnonymousUser(), key

    def authenticate_header(self, request):
        return self.keyword


class HasApiKeyScope(BasePermission):
    """A key may only do what its scopes allow. Requests without a key
    are left to the view's other rules."""

    def has_permission(self, request, view):
        key = request.auth
        if not isinstance(key, ApiKey):
            return True
        scope = getattr(view, "api_key_scope", {}).get(request.method, "read")
        allowed = key.can_submit if scope == "submit" else key.can_read
        if not allowed:
            self.message = f"This API key does not have the {scope} scope."
        return allowed


class ApiKeyRateThrottle(ClientRateThrottle):
    """Per-key throttle, counted in the cache (Redis), at the key's own
    rate or the API_THROTTLE_KEY_* default. Skipped without a key."""

    def __init__(self, scope: str = "read"):
        self.scope = scope  # not a settings key: rates come from the key

    def allow_request(self, request, view):
        key = request.auth
        if not isinstance(key, ApiKey):
            return True
        if self.scope == "submit":
            own, default = key.submit_rate, settings.API_THROTTLE_KEY_SUBMIT
        else:
            own, default = key.read_rate, settings.API_THROTTLE_KEY_READ
        # A rate saved before it was validated must not turn into a 500.
        self.rate = own if own and RATE_PATTERN.fullmatch(own) else default
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return f"throttle_apikey_{self.scope}_{request.auth.pk}"


class AnonReadThrottle(ClientIdentMixin, FixedWindowMixin, AnonRateThrottle):
    """Anonymous reads: the lower ``anon`` rate per client (``client_ip``).
    Requests with a key or a logged-in user are not counted here."""

    def allow_request(self, request, view):
        if isinstance(request.auth, ApiKey):
            return True
        return super().allow_request(request, view)


class UserReadThrottle(ClientIdentMixin, FixedWindowMixin, UserRateThrottle):
    """Logged-in users (editors' tools): the ``user`` rate."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


class ApiKeyReadThrottle(ApiKeyRateThrottle):
    def __init__(self):
        super().__init__("read")


class ApiKeySubmitThrottle(ApiKeyRateThrottle):
    def __init__(self):
        super().__init__("submit")


class AnonSubmitThrottle(ClientIdentMixin, ScopedRateThrottle):
    """Submissions without a key: the view's ``comment_submit`` rate per
    client (``client_ip``, so a forged X-Forwarded-For is the same client).
    Requests with a key are counted by ApiKeySubmitThrottle. Per process
    while Redis is down (``newsroom.cache``)."""

    cache = shared_or_local

    def allow_request(self, request, view):
        if isinstance(request.auth, ApiKey):
            return True
        return super().allow_request(request, view)
