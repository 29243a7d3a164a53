"""Reads of the partners app."""

from __future__ import annotations

import hmac

from partners.models import ApiKey


def api_key_get_active(*, raw: str) -> ApiKey | None:
    """The active key matching this raw key, or None. Looked up by its
    clear prefix, then compared by hash in constant time."""
    parts = raw.split("_")
    if len(parts) < 3 or parts[0] != "nr":
        return None
    key = ApiKey.objects.filter(prefix=parts[1], is_active=True).first()
    if key is None or not hmac.compare_digest(key.hashed_key, ApiKey.hash(raw)):
        return None
    return key
