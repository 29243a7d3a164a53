"""Reads of articles. What the public may see is decided here, once."""

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from articles.models import Article


def article_list_published() -> QuerySet[Article]:
    return Article.objects.published()


def article_get_published(*, slug: str) -> Article:
    """The published article with this slug, or Http404. One lookup by the
    unique slug, the rule checked on the row: cheaper to build than the
    filtered query, and the same answer."""
    from django.http import Http404

    try:
        article = Article.objects.get(slug=slug)
    except Article.DoesNotExist:
        article = None
    if article is None or not article.is_public_now():
        raise Http404("No published article with this address.")
    return article


def article_comments_expired(*, article: Article, now: datetime | None = None) -> bool:
    """Comments close auto_close_after_days after publication."""
    if article.auto_close_after_days is None:
        return False
    now = now or timezone.now()
    return now >= article.published_at + timedelta(days=article.auto_close_after_days)


def article_accepts_comments(*, article: Article, now: datetime | None = None) -> bool:
    """Readers may post now: comments are open and the auto-close time has
    not passed (the periodic task that switches ``comments_open`` off runs
    only every DESK_PERIODIC_INTERVAL seconds)."""
    return article.comments_open and not article_comments_expired(article=article, now=now)
