"""Reads for the editors' moderation desk: the queue, authors' records,
bans, trust and the dashboard's figures.

The queue page must cost a constant number of queries whatever the size of
the table: one for the cards (with their articles), one for the authors'
records, one for the reports of the reported cards, one for the queue
depth.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from articles.models import ModerationPolicy
from comments.hooks import Screening
from moderation.models import Ban, BanKind, BanMode
from comments.models import Comment, CommentReport, CommentStatus, ModerationEvent, ReportReason

S = CommentStatus


def queue_page_size() -> int:
    """Cards per queue page (MODERATION_QUEUE_PAGE_SIZE, 25)."""
    return getattr(settings, "MODERATION_QUEUE_PAGE_SIZE", 25)


# --- Bans ----------------------------------------------------------------


def _domains(email: str) -> list[str]:
    """The address's domain and its parents, without the bare TLD:
    "a@mail.spam.example" -> ["mail.spam.example", "spam.example"]."""
    domain = email.rpartition("@")[2].lower().strip(".")
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)] or ([domain] if domain else [])


def ban_match(*, author_email: str, ip_hash: str = "", now: datetime | None = None) -> Ban | None:
    """The ban that applies to a new comment, if any (one query).

    E-mail bans match the whole address, domain bans the domain or any of
    its sub-domains, IP bans the keyed hash of the poster's address.
    """
    now = now or timezone.now()
    email = author_email.strip().lower()
    wanted = {(BanKind.EMAIL, email)}
    wanted.update((BanKind.DOMAIN, domain) for domain in _domains(email))
    if ip_hash:
        wanted.add((BanKind.IP, ip_hash))
    # Two IN lists (the (kind, value) index serves them), the exact pairs
    # and the expiry checked on the few rows that come back: cheaper to
    # build than one OR per kind.
    rows = Ban.objects.filter(
        kind__in={kind for kind, _ in wanted}, value__in={value for _, value in wanted}
    ).order_by("created_at")
    bans = [
        b for b in rows
        if (b.kind, b.value) in wanted and (b.expires_at is None or b.expires_at > now)
    ]
    if not bans:
        return None
    # The most specific ban explains the rejection best.
    order = {BanKind.EMAIL: 0, BanKind.IP: 1, BanKind.DOMAIN: 2}
    return min(bans, key=lambda b: order[b.kind])


def ban_screen(*, author_email: str, ip_hash: str) -> Screening | None:
    """``comments.hooks`` screen: a banned commenter's comment is rejected at
    once (in shadow mode its author still sees it as awaiting moderation)."""
    ban = ban_match(author_email=author_email, ip_hash=ip_hash)
    if ban is None:
        return None
    shadow = ban.mode == BanMode.SHADOW
    mode = "shadow ban" if shadow else "ban"
    return Screening(
        shadow=shadow,
        reason=f"Rejected by {mode} on {ban.get_kind_display().lower()} "
        f"({ban.label or ban.value}): {ban.reason}",
    )


# --- Trust ----------------------------------------------------------------


@dataclass(frozen=True)
class AuthorRecord:
    approved: int = 0
    rejected: int = 0
    spam: int = 0
    first_seen: datetime | None = None


def author_record_map(*, emails: list[str]) -> dict[str, AuthorRecord]:
    """Each author's approved / rejected / spam counts and first comment."""
    if not emails:
        return {}
    rows = (
        Comment.objects.filter(author_email__in=set(emails))
        .values("author_email")
        .annotate(
            approved=Count("id", filter=Q(status=S.APPROVED)),
            rejected=Count("id", filter=Q(status=S.REJECTED)),
            spam=Count("id", filter=Q(status=S.SPAM)),
            first_seen=Min("created_at"),
        )
        .order_by()
    )
    return {
        r["author_email"]: AuthorRecord(r["approved"], r["rejected"], r["spam"], r["first_seen"])
        for r in rows
    }


def commenter_trust(*, author_email: str, now: datetime | None = None) -> tuple[bool, int]:
    """(trusted, approved count in the window). Trusted: at least
    TRUST_MIN_APPROVED approved and none rejected or spam in the last
    TRUST_WINDOW_DAYS days."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.TRUST_WINDOW_DAYS)
    counts = Comment.objects.filter(author_email=author_email, created_at__gte=since).aggregate(
        approved=Count("id", filter=Q(status=S.APPROVED)),
        bad=Count("id", filter=Q(status__in=[S.REJECTED, S.SPAM])),
    )
    trusted = counts["bad"] == 0 and counts["approved"] >= settings.TRUST_MIN_APPROVED
    return trusted, counts["approved"]


def comment_trusted_publish_reason(
    *, comment: Comment, spam: float, flagged: bool
) -> str:
    """Why this checked comment may be published at once, or "" if not.

    Only on articles whose policy is "publish trusted commenters", only when
    the checks did not flag it and its spam score is below the low band.
    """
    article = comment.article
    if article.moderation_policy != ModerationPolicy.TRUSTED_PUBLISH or flagged:
        return ""
    spam_low, _high = article.thresholds("spam")
    if spam >= spam_low:
        return ""
    trusted, approved = commenter_trust(author_email=comment.author_email)
    if not trusted:
        return ""
    return (
        f"Trusted commenter ({approved} approved, none rejected in the last "
        f"{settings.TRUST_WINDOW_DAYS} days): published at once by the article's policy"
    )


# --- The queue ------------------------------------------------------------


@dataclass(frozen=True)
class ScoreBand:
    head: str
    label: str  # "Likely", "Maybe", "Unlikely"
    value: float | None

    @property
    def css(self) -> str:
        return self.label.lower()


def score_band(*, head: str, value: float | None, low: float, high: float) -> ScoreBand:
    if value is None:
        return ScoreBand(head, "Unchecked", None)
    if value >= high:
        return ScoreBand(head, "Likely", value)
    if value >= low:
        return ScoreBand(head, "Maybe", value)
    return ScoreBand(head, "Unlikely", value)


def highlight_segments(*, body: str, reasons: list[dict]) -> list[tuple[str, str]]:
    """Split the body into (text, head) pieces; head is "" for plain text and
    "spam" / "toxicity" where a reason's span occurs (case-insensitive)."""
    spans: dict[str, str] = {}
    for reason in reasons or []:
        for span in reason.get("spans") or []:
            if isinstance(span, str) and span.strip():
                spans.setdefault(span.strip().lower(), reason.get("head", ""))
    if not spans:
        return [(body, "")]
    pattern = re.compile(
        "|".join(re.escape(s) for s in sorted(spans, key=len, reverse=True)), re.IGNORECASE
    )
    pieces: list[tuple[str, str]] = []
    at = 0
    for match in pattern.finditer(body):
        if match.start() > at:
            pieces.append((body[at : match.start()], ""))
        pieces.append((match.group(0), spans[match.group(0).lower()] or "spam"))
        at = match.end()
    if at < len(body):
        pieces.append((body[at:], ""))
    return pieces


@dataclass
class ReportSummary:
    """Readers' reports that sent a published comment back to the queue."""

    count: int
    first_at: datetime
    last_at: datetime
    # (reason label, how many), most frequent first.
    reasons: list[tuple[str, int]]


@dataclass
class QueueCard:
    comment: Comment
    record: AuthorRecord
    segments: list[tuple[str, str]]
    bands: list[ScoreBand]
    waited: timedelta
    reasons: list[dict] = field(default_factory=list)
    # When it entered the queue (its last status change): for a reported
    # comment, when it came back, not when it was first submitted.
    queued_at: datetime | None = None
    # Published before (readers saw it) and since when.
    was_public_since: datetime | None = None
    reports: ReportSummary | None = None


def report_summary_map(*, comments: list[Comment]) -> dict[int, ReportSummary]:
    """The reports since each comment's last approval, for the comments that
    were public before they came to the queue; one query."""
    public_before = {c.pk: c.approved_at for c in comments if c.approved_at is not None}
    if not public_before:
        return {}
    rows: dict[int, list[tuple[str, datetime]]] = {}
    for comment_id, reason, created_at in (
        CommentReport.objects.filter(comment_id__in=list(public_before))
        .order_by("created_at", "id")
        .values_list("comment_id", "reason", "created_at")
    ):
        if created_at >= public_before[comment_id]:
            rows.setdefault(comment_id, []).append((reason, created_at))
    labels = dict(ReportReason.choices)
    summaries = {}
    for comment_id, reports in rows.items():
        counts: dict[str, int] = {}
        for reason, _ in reports:
            counts[reason] = counts.get(reason, 0) + 1
        summaries[comment_id] = ReportSummary(
            count=len(reports),
            first_at=reports[0][1],
            last_at=reports[-1][1],
            reasons=sorted(((labels.get(r, r), n) for r, n in counts.items()), key=lambda x: (-x[1], x[0])),
        )
    return summaries


# The desk's queues: (label, filter). "review" is the queue proper; the
# others are views of it, or the spam folder to rescue false positives.
QUEUES = {
    "review": ("Awaiting review", Q(status=S.REVIEW)),
    "flagged": ("Flagged toxic", Q(status=S.REVIEW, flagged=True)),
    "spam": ("Spam folder", Q(status=S.SPAM)),
}


def desk_queue_comments(
    *, limit: int | None = None, article_id: int | None = None, queue: str = "review"
):
    """A queue's comments: flagged toxic first, then by risk, then the
    oldest (the order of ``comment_queue_idx``)."""
    # The article's text is not shown on a card: do not fetch it 25 times.
    qs = Comment.objects.filter(QUEUES[queue][1]).select_related("article").defer("article__body")
    if article_id:
        qs = qs.filter(article_id=article_id)
    return qs.order_by("-flagged", "-risk", "created_at", "id")[: limit or queue_page_size()]


def desk_queue_depth(*, queue: str = "review") -> int:
    return Comment.objects.filter(QUEUES[queue][1]).count()


def desk_queue_cards(
    *,
    limit: int | None = None,
    article_id: int | None = None,
    queue: str = "review",
    now: datetime | None = None,
) -> list[QueueCard]:
    now = now or timezone.now()
    comments = list(desk_queue_comments(limit=limit, article_id=article_id, queue=queue))
    records = author_record_map(emails=[c.author_email for c in comments])
    reports = report_summary_map(comments=comments)
    cards = []
    for c in comments:
        queued_at = c.status_changed_at or c.created_at
        spam_low, spam_high = c.article.thresholds("spam")
        tox_low, tox_high = c.article.thresholds("toxicity")
        cards.append(
            QueueCard(
                comment=c,
                record=records.get(c.author_email, AuthorRecord()),
                segments=highlight_segments(body=c.body, reasons=c.reasons),
                bands=[
                    score_band(head="Toxicity", value=c.toxicity_score, low=tox_low, high=tox_high),
                    score_band(head="Spam", value=c.spam_score, low=spam_low, high=spam_high),
                ],
                waited=now - queued_at,
                reasons=list(c.reasons or []),
                queued_at=queued_at,
                was_public_since=c.approved_at if c.status != S.APPROVED else None,
                reports=reports.get(c.pk),
            )
        )
    return cards


# --- Dashboard --------------------------------------------------------------


@dataclass
class DayRates:
    day: object
    total: int
    spam: int
    toxic: int

    @property
    def spam_rate(self) -> float:
        return self.spam / self.total if self.total else 0.0

    @property
    def toxic_rate(self) -> float:
        return self.toxic / self.total if self.total else 0.0


def duration_label(seconds: float | None) -> str:
    """45 s, 12 min, 3.5 h, 2.1 days; an en dash when there is nothing."""
    if seconds is None:
        return "\u2013"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def desk_dashboard(*, days: int = 14, now: datetime | None = None) -> dict:
    """Queue depth, median time to decision, decisions per editor and the
    daily spam and toxic rates of the last ``days`` days."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    decisions = ModerationEvent.objects.filter(actor__isnull=False, created_at__gte=since).exclude(
        reason_code=""
    )
    waits = [
        (decided - created).total_seconds()
        for decided, created in decisions.order_by("-created_at").values_list(
            "created_at", "comment__created_at"
        )[:20000]
    ]
    per_editor = list(
        decisions.values("actor__username")
        .annotate(n=Count("id"))
        .order_by("-n", "actor__username")
    )
    per_day = (
        Comment.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            total=Count("id"),
            spam=Count("id", filter=Q(status=S.SPAM)),
            toxic=Count("id", filter=Q(flagged=True)),
        )
        .order_by("day")
    )
    rates = [DayRates(r["day"], r["total"], r["spam"], r["toxic"]) for r in per_day]
    median = statistics.median(waits) if waits else None
    return {
        "queue_depth": desk_queue_depth(),
        "median_seconds": median,
        "median_label": duration_label(median),
        "decisions": len(waits),
        "per_editor": per_editor,
        "rates": rates,
        "days": days,
    }


# --- Labels for the detectors -------------------------------------------------
