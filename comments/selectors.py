"""Reads of comments.

The rule for what the public may see is written once, in
``comment_list_public``: approved, on a published article. The article page,
the API and everything else that shows comments to readers call it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, CommentStatus, ModerationEvent


def comment_list_public(*, article: Article | None = None) -> QuerySet[Comment]:
    qs = Comment.objects.filter(
        status=CommentStatus.APPROVED,
        article__is_published=True,
        article__published_at__lte=timezone.now(),
    )
    if article is not None:
        qs = qs.filter(article=article)
    return qs.select_related("article").order_by("approved_at", "id")


def comment_list_own_unpublished(
    *, article: Article, comment_ids: Iterable[int]
) -> QuerySet[Comment]:
    """The visitor's own comments on this article that are not public yet
    (their ids are kept in their session)."""
    ids = [int(pk) for pk in comment_ids]
    return (
        Comment.objects.filter(article=article, pk__in=ids)
        .exclude(status=CommentStatus.APPROVED)
        .order_by("created_at", "id")
    )


def comment_list_for_moderation(
    *, status: str | None = None, article_slug: str | None = None
) -> QuerySet[Comment]:
    """Everything editors see: flagged first, then highest risk, then oldest."""
    qs = Comment.objects.select_related("article")
    if status:
        qs = qs.filter(status=status)
    if article_slug:
        qs = qs.filter(article__slug=article_slug)
    return qs.order_by("-flagged", "-risk", "created_at", "id")


def comment_event_list(*, comment: Comment) -> QuerySet[ModerationEvent]:
    return comment.events.select_related("actor").order_by("created_at", "id")


def comment_get_public(*, pk: int) -> Comment | None:
    """One comment, if the public may see it."""
    return comment_list_public().filter(pk=pk).first()


def comment_count_public(*, slugs: list[str]) -> dict[str, int]:
    """Approved comments per article slug, in one query; 0 for slugs that
    are unknown or not published (without saying which)."""
    from django.db.models import Count

    counts = dict(
        comment_list_public()
        .filter(article__slug__in=slugs)
        .order_by()
        .values_list("article__slug")
        .annotate(n=Count("id"))
    )
    return {slug: counts.get(slug, 0) for slug in slugs}
