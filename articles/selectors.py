"""Reads of articles. What the public may see is decided here, once."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from articles.models import Article


def article_list_published() -> QuerySet[Article]:
    return Article.objects.published()


def article_get_published(*, slug: str) -> Article:
    """The published article with this slug, or Http404."""
    return get_object_or_404(article_list_published(), slug=slug)


def article_list_published_with_counts() -> QuerySet[Article]:
    """Published articles, each with ``comment_count`` (public comments),
    in one query."""
    from comments.selectors import comment_count_public_subquery

    return article_list_published().annotate(comment_count=comment_count_public_subquery())


def article_get_published_with_count(*, slug: str) -> Article:
    return get_object_or_404(article_list_published_with_counts(), slug=slug)
