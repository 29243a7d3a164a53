"""Reads of comments.

The rule for what the public may see is written once, in
``comment_list_public``: approved, on a published article, and for a reply,
under a comment that is itself approved (threads are one level deep; a reply
whose comment was taken down goes with it). The article page, the API, the
counts and everything else that shows comments to readers call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, CommentStatus, ModerationEvent


def comment_list_public(*, article: Article | None = None) -> QuerySet[Comment]:
    visible = Q(parent__isnull=True) | Q(parent__status=CommentStatus.APPROVED)
    if article is None:
        return (
            Comment.objects.filter(
                visible,
                status=CommentStatus.APPROVED,
                article__is_published=True,
                article__published_at__lte=timezone.now(),
            )
            .select_related("article")
            .order_by("approved_at", "id")
        )
    if not article.is_public_now():
        # The same rule, checked on the article in hand.
        return Comment.objects.none()
    # Through the article's own manager: no join to check it again, and
    # every comment's ``article`` is the instance in hand.
    return article.comments.filter(visible, status=CommentStatus.APPROVED).order_by("approved_at", "id")


def comment_is_public_once_approved(*, comment: Comment) -> bool:
    """The rest of the public rule for one comment, its own status aside:
    its article is published and, for a reply, its comment is public.

    For whoever must tell the world when a comment becomes public or stops
    being so (webhooks) as a status change is written: it reads the article
    and the parent, not the comment's own row, which may not be saved yet.
    """
    if comment.parent_id is not None:
        # Threads are one level deep: a public parent is on a published
        # article, the reply's own.
        return comment_list_public().filter(pk=comment.parent_id).exists()
    # The same article condition as comment_list_public's.
    return Article.objects.published().filter(pk=comment.article_id).exists()


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


# --- The article page -------------------------------------------------------

ORDER_OLDEST = "oldest"
ORDER_NEWEST = "newest"


def comment_count_public_subquery():
    """An expression for annotating articles with their number of public
    comments (replies included), one query for a whole list of articles."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    counts = (
        comment_list_public()
        .filter(article=OuterRef("pk"))
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _encode_cursor(comment: Comment) -> str:
    import base64

    raw = f"{comment.approved_at.isoformat()}|{comment.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str):
    """(approved_at, id) from a cursor, or None when it is not one of ours."""
    import base64
    from datetime import datetime

    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|")
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            return None
        return when, int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


def comment_page_public(
    *, article: Article, order: str = ORDER_OLDEST, after: str = "", size: int = 50
) -> tuple[list[Comment], str]:
    """One page of public top-level comments of an article and the cursor
    of the next page ("" when this is the last). Keyset pagination on
    (approved_at, id), so page 200 costs what page 1 does. An unreadable
    cursor starts from the beginning."""
    from django.db.models import Q

    # The article is known: no need to join its columns into every row.
    qs = comment_list_public(article=article).filter(parent__isnull=True).select_related(None)
    newest = order == ORDER_NEWEST
    key = _decode_cursor(after) if after else None
    if key is not None:
        when, pk = key
        if newest:
            qs = qs.filter(Q(approved_at__lt=when) | Q(approved_at=when, pk__lt=pk))
        else:
            qs = qs.filter(Q(approved_at__gt=when) | Q(approved_at=when, pk__gt=pk))
    qs = qs.order_by("-approved_at", "-id") if newest else qs.order_by("approved_at", "id")
    rows = list(qs[: size + 1])
    if len(rows) > size:
        rows = rows[:size]
        return rows, _encode_cursor(rows[-1])
    return rows, ""


def comment_list_public_replies(*, article: Article, parent_ids: Iterable[int]) -> QuerySet[Comment]:
    """The public replies to these comments, in one query, oldest first."""
    return (
        comment_list_public(article=article)
        .filter(parent_id__in=list(parent_ids))
        .select_related(None)
    )


def comment_list_own(*, article: Article, comment_ids: Iterable[int]) -> QuerySet[Comment]:
    """The visitor's own comments on this article that are not public, and
    not withdrawn, with the reason code of the last editor's decision
    (``decision_reason``) for telling the author why."""
    from django.db.models import OuterRef, Subquery

    ids = [int(pk) for pk in comment_ids]
    last_reason = (
        ModerationEvent.objects.filter(comment=OuterRef("pk"))
        .exclude(reason_code="")
        .order_by("-created_at", "-id")
        .values("reason_code")[:1]
    )
    return (
        Comment.objects.filter(article=article, pk__in=ids)
        .exclude(status__in=[CommentStatus.APPROVED, CommentStatus.REMOVED])
        .select_related("parent")
        .annotate(decision_reason=Subquery(last_reason))
        .order_by("created_at", "id")
    )


def comment_reader_state(comment: Comment) -> dict[str, str]:
    """How an unpublished comment's state reads to its author: a short
    label, a sentence, and the editor's reason where policy allows (never
    for spam: that would teach spammers what was caught)."""
    S = CommentStatus
    if comment.status in (S.PENDING, S.CHECKING):
        return {"key": "checking", "label": "Awaiting moderation – being checked",
                "detail": "Our automatic checks are looking at it; this takes a moment."}
    # A shadow-banned author must not learn of the ban: their comment keeps
    # looking like it waits for an editor. Nor may anyone learn that an
    # address is banned by posting with it: a comment rejected with no
    # editor's decision (``decision_reason`` None: a ban's) reads the same.
    banned = comment.status == S.REJECTED and getattr(comment, "decision_reason", "") is None
    if comment.status == S.REVIEW or getattr(comment, "shadow", False) or banned:
        return {"key": "review", "label": "Awaiting moderation – waiting for an editor",
                "detail": "An editor will read it before it is published."}
    reason = rejection_reason_label(
        status=comment.status, reason_code=getattr(comment, "decision_reason", "") or ""
    )
    return {"key": "rejected", "label": "Not published",
            "detail": f"An editor decided not to publish it. Reason: {reason}." if reason
            else "It was not published."}


def rejection_reason_label(*, status: str, reason_code: str) -> str:
    """The editor's reason as the author may read it (the page and the
    notice mail): the label of a rejection's reason code, if
    COMMENT_SHOW_REJECTION_REASON allows; never for spam, which would teach
    spammers what was caught. Empty when there is nothing to say."""
    from django.conf import settings

    from comments.models import DecisionReason

    if (
        status == CommentStatus.REJECTED
        and settings.COMMENT_SHOW_REJECTION_REASON
        and reason_code in DecisionReason.values
        and reason_code not in (DecisionReason.SPAM, DecisionReason.APPROVED)
    ):
        return DecisionReason(reason_code).label
    return ""


def comment_last_decision_reason(*, comment_id: int) -> str:
    """The reason code of the comment's last decision (undos carry none)."""
    return (
        ModerationEvent.objects.filter(comment_id=comment_id)
        .exclude(reason_code="")
        .order_by("-created_at", "-id")
        .values_list("reason_code", flat=True)
        .first()
    ) or ""


def comment_get_public(*, pk: int) -> Comment | None:
    """One comment, if the public may see it."""
    return comment_list_public().filter(pk=pk).first()


def comment_count_public_article(*, article: Article) -> int:
    """An article's public comments, replies included: a plain count."""
    return comment_list_public(article=article).select_related(None).order_by().count()


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


# --- Rescoring with a new detector version ----------------------------------

# What the checks themselves write when they route a comment: the check
# (checking -> review/spam), a failed check (pending/checking -> review) and
# a rescoring (review <-> spam), all without an actor.
_CHECK_FROM = [
    CommentStatus.CHECKING, CommentStatus.PENDING, CommentStatus.REVIEW, CommentStatus.SPAM,
]
_CHECK_TO = [CommentStatus.REVIEW, CommentStatus.SPAM]


def comment_list_for_rescoring(*, statuses: Iterable[str], since: datetime) -> QuerySet[Comment]:
    """Comments in ``statuses`` posted since ``since``, oldest id first, with
    their article and ``decided_by_editor``: whether an editor has acted on
    the comment (any event with an actor) after the checks last routed it.
    Only the others may be moved by a rescoring. One query per slice."""
    from django.db.models import Exists, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    last_check = (
        ModerationEvent.objects.filter(
            comment=OuterRef("pk"), actor__isnull=True,
            from_status__in=_CHECK_FROM, to_status__in=_CHECK_TO,
        )
        .order_by("-id")
        .values("id")[:1]
    )
    return (
        Comment.objects.filter(status__in=list(statuses), created_at__gte=since)
        .select_related("article")
        .annotate(last_check_id=Subquery(last_check))
        .annotate(
            decided_by_editor=Exists(
                ModerationEvent.objects.filter(
                    comment=OuterRef("pk"), actor__isnull=False,
                    id__gt=Coalesce(OuterRef("last_check_id"), 0),
                )
            )
        )
        .order_by("pk")
    )


# --- The editors' decisions, for the detectors ------------------------------


def comment_label_list(*, since: datetime | None = None):
    """The editors' labels: for each comment, its latest decision by an
    editor, unless that was an undo (no reason code). Rows carry the text
    the editor saw and the scores at the time. The detectors' training reads
    these; nothing here trains anything."""
    from django.db.models import OuterRef, Subquery

    latest = (
        ModerationEvent.objects.filter(comment=OuterRef("comment"), actor__isnull=False)
        .order_by("-created_at", "-id")
        .values("id")[:1]
    )
    qs = ModerationEvent.objects.filter(actor__isnull=False, id=Subquery(latest)).exclude(
        reason_code=""
    )
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.order_by("id").values(
        "comment_id", "reason_code", "to_status", "body_snapshot",
        "spam_score", "toxicity_score", "created_at",
    )


def _labels_for(reason_code: str) -> list[tuple[str, int]]:
    """What one decision says about each head. Off-topic, legal, personal
    data and "other" say nothing about spam or toxicity."""
    from comments.models import DecisionReason

    if reason_code == DecisionReason.APPROVED:
        return [("spam", 0), ("toxicity", 0)]
    if reason_code == DecisionReason.SPAM:
        return [("spam", 1)]
    if reason_code == DecisionReason.TOXIC:
        return [("toxicity", 1), ("spam", 0)]
    return []


# The moment the history checks look back from; None: now. Set by
# ``comment_history_as_of`` while a comment is checked again later.
_history_as_of: ContextVar[datetime | None] = ContextVar("history_as_of", default=None)


@contextmanager
def comment_history_as_of(moment: datetime) -> Iterator[None]:
    """Answer the detectors' history questions as they would have been
    answered at ``moment`` (in this thread or task only).

    The duplicate and posting-rate checks ask about "the last N minutes"
    counted back from now. Rescoring a comment days later would find
    nothing, and a comment sent to the spam folder because it was posted on
    twenty articles at once would leave it. Within this block their window
    ends at ``moment`` instead (the time the comment was posted), and
    comments posted after it do not count.
    """
    token = _history_as_of.set(moment)
    try:
        yield
    finally:
        _history_as_of.reset(token)


def _history_window(since: datetime) -> Q:
    """``created_at`` from ``since`` to now, or the same span ending at the
    moment set by ``comment_history_as_of``."""
    moment = _history_as_of.get()
    if moment is None:
        return Q(created_at__gte=since)
    span = timezone.now() - since
    return Q(created_at__gte=moment - span, created_at__lte=moment)


class CommentHistory:
    """What the detectors may know of stored comments (``detection.history``):
    registered by ``CommentsConfig.ready()``."""

    def near_copies(self, *, bands, since, exclude_id, limit):
        from detection.history import NearCopy

        same_band = Q()
        for i, band in enumerate(bands):
            same_band |= Q(**{f"simhash_b{i}": band})
        rows = (
            Comment.objects.filter(same_band, _history_window(since))
            .exclude(pk=exclude_id)
            .order_by("-created_at")
            .values_list("id", "simhash", "article_id")[:limit]
        )
        return [NearCopy(comment_id=pk, simhash=h, article_id=art) for pk, h, art in rows]

    def recent_counts(self, *, author_email, ip_hash, since, exclude_id):
        from django.db.models import Count

        by_email = Q(author_email__iexact=author_email) if author_email else Q(pk__in=[])
        by_ip = Q(ip_hash=ip_hash) if ip_hash else Q(pk__in=[])
        # One query for both counts.
        counts = (
            Comment.objects.filter(_history_window(since))
            .filter(by_email | by_ip)
            .exclude(pk=exclude_id)
            .aggregate(email=Count("pk", filter=by_email), ip=Count("pk", filter=by_ip))
        )
        return counts["email"], counts["ip"]

    def decision_labels(self):
        from detection.history import Label

        labels = []
        for row in comment_label_list():
            text = row["body_snapshot"]
            if not text:
                continue
            for head, label in _labels_for(row["reason_code"]):
                labels.append(Label(text=text, head=head, label=label, decided_at=row["created_at"]))
        return labels


# --- Articles with their public comment counts ---------------------------------


def article_list_published_with_counts() -> QuerySet[Article]:
    """Published articles, each with ``comment_count`` (public comments),
    in one query."""
    from articles.selectors import article_list_published

    return article_list_published().annotate(comment_count=comment_count_public_subquery())


def article_get_for_reader_page(*, slug: str) -> Article:
    """The reader page's article (one lookup, or Http404). Its
    ``comments_open`` is decided now, from the closing time too, so that
    the page never offers a form or Reply links the service would refuse.
    Its comment count comes with the comment section
    (``comments.reader_section``)."""
    from articles.selectors import article_accepts_comments, article_get_published

    article = article_get_published(slug=slug)
    article.comments_open = article_accepts_comments(article=article)
    return article
