"""The Redis cache of public comment lists, versioned per article.

Each article has a version key. Every cached page is stored with the
version it was built under, and served only while that is the article's
current version, so bumping the version (once a status change that touches
the public list has committed) retires every cached page of that article
at once. A reader that raced with the change stores its page under the old
version, and nobody is served it. The version's value is the time of the last change,
which is also the lists' Last-Modified.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from newsroom.cache import shared_or_local

logger = logging.getLogger(__name__)


def _version_key(article_id: int) -> str:
    return f"api:v1:article:{article_id}:version"


def article_cache_bump(*, article_id: int) -> None:
    """Invalidate every cached public page of this article."""
    value = f"{time.time():.6f}:{uuid.uuid4().hex[:8]}"
    try:
        cache.set(_version_key(article_id), value, timeout=None)
    except Exception:  # Redis down: pages expire after API_CACHE_TTL
        logger.error("Could not invalidate the API cache of article %s", article_id, exc_info=True)


def article_cache_version(*, article_id: int) -> str:
    """The article's current version, created on first use."""
    key = _version_key(article_id)
    value = cache.get(key)
    if value is None:
        cache.add(key, f"{time.time():.6f}:{uuid.uuid4().hex[:8]}", timeout=None)
        value = cache.get(key)
    return value


def version_changed_at(version: str) -> float:
    return float(version.split(":", 1)[0])


def cached_page(
    *, article_id: int, variant: str, build: Callable[[], bytes]
) -> tuple[bytes, str, float]:
    """(body, etag, last_modified) of one page of an article's public list,
    from Redis when present, else built and stored. Falls back to building
    when Redis is unreachable.

    The page and the article's version are read in one round trip; a page
    is stored with the version it was read under and counts only while
    that is still the current version, so a page built from data older
    than the last bump is never served again.
    """

    def build_with_etag():
        body = build()
        return body, etag_of(body)

    found, version = cached_value(
        article_id=article_id, kind="json", variant=variant, build=build_with_etag
    )
    body, etag = found
    return body, etag, version_changed_at(version) if version else time.time()


def cached_value(*, article_id: int, kind: str, variant: str, build: Callable[[], object]):
    """(value, version): anything picklable built from an article's public
    comments, cached under the article's version like the API pages
    (``kind`` keeps the API's pages and the reader page's sections apart).
    The version is "" when Redis could not be read (the value is built)."""
    if shared_or_local.is_down():
        # Redis failed a moment ago (newsroom.cache): build from the
        # database without waiting for another connection time-out.
        return build(), ""
    digest = hashlib.sha256(variant.encode()).hexdigest()[:32]
    key = f"api:v1:article:{article_id}:{kind}:{digest}"
    try:
        found = cache.get_many([_version_key(article_id), key])
        version = found.get(_version_key(article_id))
        if version is None:
            version = article_cache_version(article_id=article_id)
    except Exception:
        logger.warning("Comment cache unavailable; serving from the database", exc_info=True)
        return build(), ""
    hit = found.get(key)
    if hit is not None and hit[0] == version:
        return hit[1], version
    value = build()
    try:
        cache.set(key, (version, value), timeout=settings.API_CACHE_TTL)
    except Exception:
        logger.warning("Could not store comments in the cache", exc_info=True)
    return value, version


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
