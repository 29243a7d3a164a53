"""Token authentication for editors' tools, with an expiry. Its own module:
DRF imports authentication classes while it loads, so this one imports
nothing of rest_framework's views."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` (editors' tools), refused once the
    token is older than API_TOKEN_TTL_DAYS: a leaked token does not work
    for ever. An administrator issues a new one in the admin (Tokens)."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if timezone.now() - token.created > timedelta(days=settings.API_TOKEN_TTL_DAYS):
            raise exceptions.AuthenticationFailed("Token has expired: ask an administrator for a new one.")
        return user, token
