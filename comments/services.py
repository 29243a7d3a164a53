"""Everything that changes a comment.

The moderation pipeline, step by step:

1. ``comment_create`` stores the comment as ``pending`` and, once the
   transaction commits, enqueues the ``comments.check_comment`` task. If the
   broker is down the comment stays ``pending``; nothing is lost.
2. ``comment_check`` (run by the task) claims the comment with a
   conditional update ``pending`` -> ``checking``. Only one worker can win,
   so a duplicate message does nothing.
3. It runs the checkers, stores the scores and reasons, and routes the
   comment: ``spam`` when the spam score reaches the high threshold, else
   ``review`` (flagged when the toxicity head fired).
4. Editors approve or reject through ``comment_approve`` /
   ``comment_reject``, from the admin or the moderation API. Deciding
   twice changes nothing.
5. ``comment_sweep_stuck`` (Celery beat) re-enqueues comments left in
   ``pending`` or ``checking`` past COMMENT_CHECK_TIMEOUT, e.g. when a
   message was lost or a worker died; after MAX_CHECK_ATTEMPTS it hands them
   to an editor instead.

Every status change writes one ``ModerationEvent``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Article
from articles.selectors import article_accepts_comments
from comments import hooks
from comments.public_cache import article_cache_bump
from detection.classifiers.base import (
    CheckError,
    CheckResult,
    CommentSample,
    TransientCheckError,
)
from detection.classifiers.pipeline import run_checks
from comments.models import (
    Comment,
    CommentReport,
    CommentStatus,
    DecisionReason,
    IdempotencyRecord,
    ModerationEvent,
)

logger = logging.getLogger(__name__)

MAX_CHECK_ATTEMPTS = 5
# The check task's longest retry countdown (comments.tasks).
RETRY_BACKOFF_MAX = 120
S = CommentStatus

# Editors may decide from any state but the one they ask for.
_APPROVE_FROM = {S.PENDING, S.CHECKING, S.REVIEW, S.SPAM, S.REJECTED}
_REJECT_FROM = {S.PENDING, S.CHECKING, S.REVIEW, S.SPAM, S.APPROVED}
_SPAM_FROM = {S.PENDING, S.CHECKING, S.REVIEW, S.APPROVED, S.REJECTED}


def _event(
    *,
    comment: Comment,
    from_status: str,
    to_status: str,
    actor: AbstractBaseUser | None = None,
    reason_code: str = "",
    reason: str = "",
) -> ModerationEvent:
    event = ModerationEvent.objects.create(
        comment=comment,
        actor=actor,
        reason_code=reason_code,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        spam_score=comment.spam_score,
        toxicity_score=comment.toxicity_score,
        # Editors' decisions are training labels: keep the text they saw.
        body_snapshot=comment.body if actor is not None else "",
    )
    # One place for the consequences of a move (cache invalidation, webhooks,
    # notifications, feedback to hosted checkers), so that no caller can
    # forget one: every listener registered in ``comments.hooks``.
    hooks.run_after_transition(comment=comment, from_status=from_status, to_status=to_status)
    return event


def comment_create(
    *,
    article: Article,
    author_name: str,
    author_email: str,
    body: str,
    ip_hash: str = "",
    user_agent: str = "",
    signals: dict | None = None,
    notify_author: bool = False,
    parent: Comment | int | None = None,
) -> Comment:
    """Store a reader's comment as pending and queue it for checking.

    ``parent`` makes it a reply (see ``comment_resolve_parent``). A banned
    commenter's comment is stored as ``rejected`` at once (in shadow mode
    flagged ``shadow``: its author still sees it) and is never checked.
    """
    if not article_accepts_comments(article=article):
        raise ValidationError("Comments are closed on this article.", code="closed")
    comment = Comment(
        article=article,
        parent=comment_resolve_parent(article=article, parent=parent),
        author_name=author_name.strip(),
        author_email=author_email.strip(),
        body=body.strip(),
        ip_hash=ip_hash,
        user_agent=user_agent[:300],
        signals=signals or {},
        notify_author=notify_author,
    )
    comment.fingerprint()
    # The article is in hand and the parent was just resolved: no query to
    # check that they exist.
    comment.full_clean(exclude=["article", "parent"])
    screening = hooks.screen(author_email=comment.author_email, ip_hash=ip_hash)
    if screening is not None:
        return _comment_create_screened(comment=comment, screening=screening)
    with transaction.atomic():
        comment.save()
        _event(comment=comment, from_status="", to_status=S.PENDING, reason="Submitted")
        transaction.on_commit(lambda: comment_enqueue_check(comment_id=comment.pk))
    return comment


def _comment_create_screened(*, comment: Comment, screening: hooks.Screening) -> Comment:
    comment.status = S.REJECTED
    comment.shadow = screening.shadow
    # Nobody is told about a decision a ban made.
    comment.notify_author = False
    with transaction.atomic():
        comment.save()
        _event(comment=comment, from_status="", to_status=S.REJECTED, reason=screening.reason)
    return comment


def comment_cache_after_transition(*, comment: Comment, from_status: str, to_status: str) -> None:
    """Once a move into or out of ``approved`` commits, the article's cached
    public lists are stale: bump its version (``comments.public_cache``)."""
    if S.APPROVED in (from_status, to_status):
        article_id = comment.article_id
        transaction.on_commit(lambda: article_cache_bump(article_id=article_id))


def comment_enqueue_check(*, comment_id: int) -> bool:
    """Send the check task. A broker failure is logged, not raised: the
    comment is saved and the sweep will enqueue it again."""
    from comments.tasks import comment_check as task

    try:
        task.apply_async(args=[comment_id])
    except Exception:  # kombu raises several unrelated types when down
        logger.warning(
            "Could not enqueue check for comment %s; the sweep will retry.",
            comment_id,
            exc_info=True,
        )
        return False
    return True


def _claim(comment_id: int) -> bool:
    """pending -> checking, by a conditional update: exactly one caller wins.
    Never past MAX_CHECK_ATTEMPTS: a comment that used them up stays
    pending until the sweep hands it to an editor."""
    return bool(
        Comment.objects.filter(
            pk=comment_id, status=S.PENDING, check_attempts__lt=MAX_CHECK_ATTEMPTS
        ).update(
            status=S.CHECKING,
            status_changed_at=timezone.now(),
            check_attempts=F("check_attempts") + 1,
        )
    )


def _route(result: CheckResult, article: Article) -> tuple[str, bool]:
    _spam_low, spam_high = article.thresholds("spam")
    tox_low, _tox_high = article.thresholds("toxicity")
    flagged = result.toxicity >= tox_low
    if result.spam >= spam_high:
        return S.SPAM, flagged
    # A comment a hosted checker could not judge (``result.unavailable``)
    # must never be published on the local scores alone. Nothing is
    # published without an editor today, so it goes to review like the
    # rest; keep it so if an auto-publish route is added here.
    return S.REVIEW, flagged


def _summary(result: CheckResult) -> str:
    head = f"Checked: spam {result.spam:.2f}, toxicity {result.toxicity:.2f}"
    if not result.reasons:
        return f"{head}; no rule fired"
    return head + "; " + "; ".join(r.message for r in result.reasons)


def _store_scores(comment: Comment, *, result: CheckResult, flagged: bool) -> list[str]:
    """Put a check's scores and reasons on the comment; returns the fields
    to save."""
    comment.spam_score = result.spam
    comment.toxicity_score = result.toxicity
    comment.risk = max(result.spam, result.toxicity)
    comment.flagged = flagged
    comment.reasons = [r.as_dict() for r in result.reasons]
    comment.checked_at = timezone.now()
    return ["spam_score", "toxicity_score", "risk", "flagged", "reasons", "checked_at"]


def comment_sample(comment: Comment) -> CommentSample:
    return CommentSample(
        body=comment.body,
        author_name=comment.author_name,
        author_email=comment.author_email,
        article_id=comment.article_id,
        comment_id=comment.pk,
        ip_hash=comment.ip_hash,
        signals=comment.signals,
        user_agent=comment.user_agent,
    )


def comment_check(*, comment_id: int, final_attempt: bool = False) -> Comment | None:
    """Claim, check and route one comment. Returns None when there was
    nothing to do (another worker claimed it, or an editor decided).

    ``final_attempt``: the task has no retries left (or this is the
    comment's MAX_CHECK_ATTEMPTS-th claim), so a hosted checker that is
    still unavailable holds the comment for review instead of failing the
    whole check (the local scores stand)."""
    if not _claim(comment_id):
        return None
    comment = Comment.objects.select_related("article").get(pk=comment_id)
    # The last attempt the cap allows is final whatever the task's own
    # retry count says (the sweep may have sent the message).
    final_attempt = final_attempt or comment.check_attempts >= MAX_CHECK_ATTEMPTS
    # The claim is this worker's while the status has not moved since: if
    # the sweep gave the comment to another worker meanwhile (this one was
    # cut off, or too slow), this one must not route it too.
    claimed_at = comment.status_changed_at
    try:
        result = run_checks(comment_sample(comment), final_attempt=final_attempt)
    except TransientCheckError:
        # Hand the claim back so that the retry (or the sweep) can take it.
        Comment.objects.filter(
            pk=comment_id, status=S.CHECKING, status_changed_at=claimed_at
        ).update(
            status=S.PENDING, status_changed_at=timezone.now()
        )
        raise
    status, flagged = _route(result, comment.article)
    trusted_reason = ""
    # Never auto-publish on partial scores: a hosted checker that could not
    # judge the comment (``result.unavailable``) leaves it to an editor.
    if status == S.REVIEW and not getattr(result, "unavailable", ()):
        trusted_reason = hooks.publish_reason(comment=comment, spam=result.spam, flagged=flagged)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment_id)
        if comment.status == S.CHECKING and comment.status_changed_at != claimed_at:
            logger.warning(
                "Comment %s was claimed again while this check ran; its result is dropped.",
                comment_id,
            )
            return None
        fields = _store_scores(comment, result=result, flagged=flagged)
        if comment.status == S.CHECKING:
            # An editor may have decided while the checks ran: their
            # decision stands, only the scores are stored.
            comment.status = status
            comment.status_changed_at = comment.checked_at
            fields += ["status", "status_changed_at"]
            _event(
                comment=comment,
                from_status=S.CHECKING,
                to_status=status,
                reason=_summary(result),
            )
            if trusted_reason:
                # A system decision, logged with its reason like any other.
                comment.status = S.APPROVED
                comment.approved_at = comment.checked_at
                fields.append("approved_at")
                _event(
                    comment=comment,
                    from_status=S.REVIEW,
                    to_status=S.APPROVED,
                    reason=trusted_reason,
                )
        comment.save(update_fields=fields)
    return comment


def comment_check_failed(*, comment_id: int, error: str) -> None:
    """The checks could not run: hold the comment for an editor."""
    with transaction.atomic():
        comment = (
            Comment.objects.select_for_update()
            .filter(pk=comment_id, status__in=[S.PENDING, S.CHECKING])
            .first()
        )
        if comment is None:
            return
        from_status = comment.status
        comment.status = S.REVIEW
        comment.status_changed_at = timezone.now()
        comment.reasons = [
            *comment.reasons,
            {
                "checker": "pipeline",
                "head": "spam",
                "message": f"Automatic checks failed ({error}); held for an editor",
                "spans": [],
            },
        ]
        comment.save(update_fields=["status", "status_changed_at", "reasons"])
        _event(
            comment=comment,
            from_status=from_status,
            to_status=S.REVIEW,
            reason=f"Automatic checks failed: {error}",
        )


def _decide(
    *,
    comment: Comment,
    to_status: str,
    allowed_from: set,
    actor,
    reason_code: str,
    reason: str,
    undo: bool = False,
) -> Comment:
    # An undo carries no reason code: it withdraws a label, it is not one.
    if not (undo and reason_code == "") and reason_code not in DecisionReason.values:
        raise ValidationError(
            f"Unknown reason {reason_code!r}; use one of: {', '.join(DecisionReason.values)}.",
            code="invalid_reason",
        )
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.status == to_status:
            return comment  # Deciding twice changes nothing.
        if comment.status not in allowed_from:
            raise ValidationError(
                f"A {comment.get_status_display().lower()} comment cannot be "
                f"moved to {to_status}.",
                code="invalid_transition",
            )
        from_status = comment.status
        now = timezone.now()
        comment.status = to_status
        comment.status_changed_at = now
        comment.approved_at = now if to_status == S.APPROVED else None
        comment.save(update_fields=["status", "status_changed_at", "approved_at"])
        _event(
            comment=comment,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            reason_code=reason_code,
            reason=reason,
        )
    return comment


def comment_approve(*, comment: Comment, actor, reason: str = "") -> Comment:
    return _decide(
        comment=comment, to_status=S.APPROVED, allowed_from=_APPROVE_FROM,
        actor=actor, reason_code=DecisionReason.APPROVED, reason=reason,
    )


def comment_reject(
    *, comment: Comment, actor, reason_code: str = DecisionReason.OTHER, reason: str = ""
) -> Comment:
    """Reject with a reason code (spam, toxic, off-topic, ...): a label for
    the detectors as well as a record for the audit trail."""
    if reason_code == DecisionReason.APPROVED:
        raise ValidationError("A rejection needs a reason other than 'approved'.", code="invalid_reason")
    return _decide(
        comment=comment, to_status=S.REJECTED, allowed_from=_REJECT_FROM,
        actor=actor, reason_code=reason_code, reason=reason,
    )


def comment_mark_spam(*, comment: Comment, actor, reason: str = "") -> Comment:
    return _decide(
        comment=comment, to_status=S.SPAM, allowed_from=_SPAM_FROM,
        actor=actor, reason_code=DecisionReason.SPAM, reason=reason,
    )


def comment_sweep_stuck(*, now=None) -> int:
    """Re-enqueue comments stuck in pending/checking. Returns how many.

    A ``pending`` comment whose check message is still in the broker (in a
    backlog, or taken by a worker waiting for a retry's countdown) is left
    alone: another message would only lengthen the backlog
    (``comments.broker``). A ``checking`` one past the time-out lost its
    worker (the task's hard time limit is far shorter), so it is queued
    again whatever the broker holds.
    """
    from comments.broker import check_ids_waiting

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.COMMENT_CHECK_TIMEOUT)
    stuck = list(
        Comment.objects.filter(
            status__in=[S.PENDING, S.CHECKING], status_changed_at__lt=cutoff
        ).values_list("pk", "status", "check_attempts")[:1000]
    )
    waiting: set[int] | None = set()
    if any(status == S.PENDING for _pk, status, _attempts in stuck):
        waiting = check_ids_waiting(
            cutoff=cutoff.timestamp(), longest_countdown=RETRY_BACKOFF_MAX
        )
    requeued = 0
    for pk, status, attempts in stuck:
        if attempts >= MAX_CHECK_ATTEMPTS:
            comment_check_failed(comment_id=pk, error=f"{attempts} attempts timed out")
            continue
        if status == S.PENDING and waiting is not None and pk in waiting:
            continue
        # Conditional on the row being unchanged since it was read, so two
        # sweeps (or a late worker) cannot both act on it.
        with transaction.atomic():
            moved = Comment.objects.filter(
                pk=pk, status=status, status_changed_at__lt=cutoff
            ).update(status=S.PENDING, status_changed_at=now)
            if not moved:
                continue
            if status == S.CHECKING:
                comment = Comment.objects.get(pk=pk)
                _event(
                    comment=comment,
                    from_status=S.CHECKING,
                    to_status=S.PENDING,
                    reason="Check timed out; queued again",
                )
        if comment_enqueue_check(comment_id=pk):
            requeued += 1
    return requeued


# --- Rescoring with a new detector version -------------------------------

# The statuses a rescoring may look at: comments still waiting for an
# editor. Approved, rejected and removed comments were decided for good.
RESCORABLE = (S.REVIEW, S.SPAM)


@dataclass(frozen=True)
class RescoreMove:
    """One status change a rescoring made (or, dry, would make)."""

    comment_id: int
    from_status: str
    to_status: str
    old_spam: float | None
    new_spam: float


@dataclass
class RescoreReport:
    version: str
    dry_run: bool = False
    total: int = 0  # comments selected
    scored: int = 0  # run through the checks so far
    moved: list[RescoreMove] = field(default_factory=list)
    rescored: int = 0  # new scores stored, status kept
    unchanged: int = 0  # same scores, same status: nothing written
    kept_by_editor: int = 0  # would move, but an editor decided
    skipped: int = 0  # changed while scored, or a hosted checker was down


def _score(value: float | None) -> str:
    return "none" if value is None else f"{value:.2f}"


def _live_detectors() -> str:
    """The live detector version, as editors see it in the event log: the
    trained version's name, or "shipped" with the shipped artefacts'."""
    from detection.versions import SHIPPED, active_artifacts_dir, active_version_name

    name = active_version_name()
    if name != SHIPPED:
        return name
    manifest = active_artifacts_dir() / "manifest.json"
    try:
        built = json.loads(manifest.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        built = None
    return f"{SHIPPED} {built}" if built else SHIPPED


def comment_rescore(
    *,
    statuses: Iterable[str] = RESCORABLE,
    since: datetime,
    batch_size: int = 200,
    dry_run: bool = False,
    progress: Callable[[RescoreReport], None] | None = None,
) -> RescoreReport:
    """Run the checks again, with the live detector version, on the
    comments in ``statuses`` (review and/or spam) posted since ``since``.

    1. Read the comments in slices of ``batch_size`` (keyset on the id, so
       comments moving meanwhile are neither skipped nor read twice), each
       with whether an editor acted on it since the checks last routed it
       (``comment_list_for_rescoring``).
    2. Score each one outside any transaction with ``run_checks``; the
       history checks (duplicates, posting rate) look back from the time it
       was posted, not from now (``comment_history_as_of``).
    3. Route it with ``_route``: below the spam high band -> review, at or
       above it -> spam. Never published: a trusted commenter's comment
       waits for an editor like any other (they decide, not a rescoring).
    4. Under the row lock, and only if the comment has not changed since it
       was read: store the new scores and reasons, and move it when the
       checks put it where it is (an editor's decision, including a comment
       an editor marked spam from review, keeps its status), with one
       ``ModerationEvent`` naming the version and the scores.

    Nothing is written for a comment whose scores, reasons and status
    would not change, so a second run with the same version changes
    nothing. A hosted checker that cannot answer leaves the comment as it
    was (partial scores never replace complete ones). ``dry_run`` scores
    and reports without writing. ``progress`` is called after each slice.
    """
    from comments.selectors import comment_history_as_of, comment_list_for_rescoring

    statuses = list(dict.fromkeys(statuses))
    unknown = [s for s in statuses if s not in RESCORABLE]
    if unknown or not statuses:
        raise ValueError(
            f"Cannot rescore status {', '.join(map(repr, unknown)) or 'none'}; "
            f"choose among: {', '.join(RESCORABLE)}."
        )
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    report = RescoreReport(version=_live_detectors(), dry_run=dry_run)
    candidates = comment_list_for_rescoring(statuses=statuses, since=since)
    report.total = candidates.count()
    last_pk = 0
    while True:
        batch = list(candidates.filter(pk__gt=last_pk)[:batch_size])
        for comment in batch:
            try:
                with comment_history_as_of(comment.edited_at or comment.created_at):
                    result = run_checks(comment_sample(comment), final_attempt=True)
            except CheckError:
                logger.warning("Could not rescore comment %s.", comment.pk, exc_info=True)
                result = None
            report.scored += 1
            if result is None or result.unavailable:
                report.skipped += 1
                continue
            _rescore_apply(comment=comment, result=result, report=report)
        if progress is not None and batch:
            progress(report)
        if len(batch) < batch_size:
            return report
        last_pk = batch[-1].pk


def _rescore_apply(*, comment: Comment, result: CheckResult, report: RescoreReport) -> None:
    routed, flagged = _route(result, comment.article)
    to_status = comment.status
    if routed != comment.status:
        if comment.decided_by_editor:
            report.kept_by_editor += 1
        else:
            to_status = routed
    reasons = [r.as_dict() for r in result.reasons]
    same_scores = (
        comment.spam_score == result.spam
        and comment.toxicity_score == result.toxicity
        and comment.flagged == flagged
        and comment.reasons == reasons
    )
    if to_status == comment.status and same_scores:
        report.unchanged += 1
        return
    move = None
    if to_status != comment.status:
        move = RescoreMove(
            comment_id=comment.pk, from_status=comment.status, to_status=to_status,
            old_spam=comment.spam_score, new_spam=result.spam,
        )
    if report.dry_run:
        if move:
            report.moved.append(move)
        else:
            report.rescored += 1
        return
    with transaction.atomic():
        # Only if nobody changed it while it was scored (an editor's
        # decision, an edit, a report): every status change sets
        # ``status_changed_at``, and a decision waits for this lock.
        unchanged_since_read = (
            Comment.objects.select_for_update()
            .filter(pk=comment.pk, status=comment.status, status_changed_at=comment.status_changed_at)
            .values_list("pk", flat=True)
            .first()
        )
        if unchanged_since_read is None:
            report.skipped += 1
            return
        old_spam, old_toxicity = comment.spam_score, comment.toxicity_score
        fields = _store_scores(comment, result=result, flagged=flagged)
        if move is None:
            comment.save(update_fields=fields)
            report.rescored += 1
            return
        comment.status = to_status
        comment.status_changed_at = comment.checked_at
        comment.save(update_fields=[*fields, "status", "status_changed_at"])
        why = "; ".join(r.message for r in result.reasons) or "no rule fired"
        _event(
            comment=comment,
            from_status=move.from_status,
            to_status=to_status,
            reason=(
                f"Rescored with detectors {report.version}: "
                f"spam {_score(old_spam)} -> {_score(result.spam)}, "
                f"toxicity {_score(old_toxicity)} -> {_score(result.toxicity)}; {why}"
            ),
        )
    report.moved.append(move)


# --- Feedback to hosted checkers -------------------------------------------


def _akismet_feedback_kind(*, comment: Comment, from_status: str, to_status: str) -> str:
    """"ham", "spam" or "" (nothing to tell) for one status change.

    Only editors' decisions teach Akismet: an approval of a comment the
    checks held as suspect (routed to spam, flagged, or a spam score at or
    above the low threshold), or that an editor had called spam before (an
    undone or reversed decision: Akismet was told "spam"), is ham; marking
    spam, or rejecting with the reason "spam", is spam.
    """
    if to_status == S.APPROVED:
        spam_low, _spam_high = comment.article.thresholds("spam")
        suspect = (
            from_status == S.SPAM
            or comment.flagged
            or (comment.spam_score or 0.0) >= spam_low
            or comment.events.filter(actor__isnull=False, reason_code=DecisionReason.SPAM).exists()
        )
        return "ham" if suspect else ""
    if to_status not in (S.SPAM, S.REJECTED):
        return ""
    # The checks route to spam too; only a decision by a person counts.
    actor_id, reason_code = (
        comment.events.order_by("-id").values_list("actor_id", "reason_code").first()
        or (None, "")
    )
    if actor_id is not None and reason_code == DecisionReason.SPAM:
        return "spam"
    return ""


def comment_enqueue_akismet_feedback(*, comment: Comment, from_status: str, to_status: str) -> None:
    """Queue submit-ham / submit-spam for an editor's decision, once it has
    committed, when Akismet is enabled."""
    if not settings.AKISMET_ENABLED:
        return
    kind = _akismet_feedback_kind(comment=comment, from_status=from_status, to_status=to_status)
    if not kind:
        return
    from comments.tasks import comment_akismet_feedback as task

    comment_id = comment.pk

    def send() -> None:
        try:
            task.apply_async(args=[comment_id, kind])
        except Exception:  # kombu raises several unrelated types when down
            logger.warning(
                "Could not enqueue Akismet %s feedback for comment %s.",
                kind, comment_id, exc_info=True,
            )

    transaction.on_commit(send)


def comment_akismet_feedback(*, comment_id: int, kind: str) -> bool:
    """Send one editor's verdict to Akismet. Returns False when there is
    nothing to send (the comment is gone, or Akismet was switched off)."""
    from detection.classifiers import akismet

    comment = Comment.objects.filter(pk=comment_id).first()
    if comment is None or not settings.AKISMET_ENABLED:
        return False
    akismet.submit(kind, comment_sample(comment))
    return True


# Undoing restores one of these; a decision taken on a comment still being
# checked goes back to review rather than to a state the pipeline owns.
_UNDO_TO = {S.REVIEW, S.SPAM, S.REJECTED, S.APPROVED}


def comment_undo_decision(*, comment: Comment, actor, now=None) -> Comment:
    """Undo the actor's own last decision on this comment, within
    MODERATION_UNDO_SECONDS. The undo is itself an event (no reason code),
    so the log keeps both the decision and its withdrawal."""
    now = now or timezone.now()
    window = settings.MODERATION_UNDO_SECONDS
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        last = comment.events.order_by("-created_at", "-id").first()
        if last is None or last.actor_id is None or not last.reason_code:
            raise ValidationError("There is no decision to undo.", code="nothing_to_undo")
        if last.actor_id != actor.pk:
            raise ValidationError(
                "Only your own last decision can be undone.", code="not_yours"
            )
        if last.to_status != comment.status:
            raise ValidationError("There is no decision to undo.", code="nothing_to_undo")
        if (now - last.created_at).total_seconds() > window:
            raise ValidationError(
                f"The decision is more than {window} seconds old and can no longer be undone.",
                code="too_late",
            )
        restore = last.from_status if last.from_status in _UNDO_TO else S.REVIEW
        return _decide(
            comment=comment,
            to_status=restore,
            allowed_from={comment.status},
            actor=actor,
            reason_code="",
            reason=f"Undo: {last.from_status or '-'} \u2192 {last.to_status} withdrawn",
            undo=True,
        )


# --- The readers' side: replies, edits, withdrawals, reports -----------------

# An author may edit these (a public one goes back through the checks).
_EDITABLE = {S.PENDING, S.CHECKING, S.REVIEW, S.APPROVED}
# Spam and comments an editor rejected are out of their author's hands:
# offering Edit or Delete would only lead to a refusal, and naming the status
# would reveal the verdict the page hides. A comment a ban rejected is the
# exception: to its author it must look like one waiting for an editor (no
# ban oracle), so it can be edited (it stays rejected) and deleted like one.
CANNOT_CHANGE = "This comment can no longer be changed."
_NO_DECISION = object()


def comment_held_by_ban(comment: Comment) -> bool:
    """Rejected by a ban at submission, with no editor's decision since.
    Uses the ``decision_reason`` annotation of ``comment_list_own`` when it
    is there (None: no editor decided), else asks the event log."""
    if comment.status != S.REJECTED:
        return False
    if comment.shadow:
        return True
    code = getattr(comment, "decision_reason", _NO_DECISION)
    if code is _NO_DECISION:
        return not comment.events.exclude(reason_code="").exists()
    return code is None
PARENT_INVALID = "You can only reply to a published comment on this article."


def comment_resolve_parent(*, article: Article, parent: Comment | int | None) -> Comment | None:
    """The comment a reply attaches to. Threads are one level deep: a reply
    to a reply attaches to its top-level comment. Only a public comment on
    the same article can be replied to."""
    from comments.selectors import comment_list_public

    if parent is None or parent == "":
        return None
    parent_id = parent.pk if isinstance(parent, Comment) else parent
    try:
        parent_id = int(parent_id)
    except (TypeError, ValueError):
        raise ValidationError({"parent": ValidationError(PARENT_INVALID, code="invalid_parent")})
    found = (
        comment_list_public(article=article)
        .filter(pk=parent_id)
        .select_related("parent")
        .first()
    )
    if found is None:
        raise ValidationError({"parent": ValidationError(PARENT_INVALID, code="invalid_parent")})
    return found.parent if found.parent_id else found


def comment_edit_deadline(comment: Comment):
    return comment.created_at + timedelta(minutes=settings.COMMENT_EDIT_WINDOW_MINUTES)


def comment_can_change(comment: Comment, *, now=None) -> bool:
    """Whether its author may still edit or withdraw it: within the edit
    window, and not decided against (spam, rejected, banned)."""
    now = now or timezone.now()
    if now >= comment_edit_deadline(comment):
        return False
    return comment.status in _EDITABLE or comment_held_by_ban(comment)


def comment_edit_window_message(comment: Comment | None = None) -> str:
    """Why its author can no longer change it, without naming a verdict."""
    if comment is not None and comment.status not in _EDITABLE and not comment_held_by_ban(comment):
        return CANNOT_CHANGE
    minutes = settings.COMMENT_EDIT_WINDOW_MINUTES
    return f"Comments can only be changed in the first {minutes} minutes after posting."


def _check_window(comment: Comment, now) -> None:
    if now >= comment_edit_deadline(comment):
        raise ValidationError(comment_edit_window_message(), code="edit_window_closed")


def comment_edit(*, comment: Comment, body: str, now=None) -> Comment:
    """Its author changes the text, within the edit window.

    The new text goes back through the checks: the comment returns to
    ``pending`` (a public one leaves the page until an editor approves it
    again, since spammers edit links in after approval) and a check is
    enqueued once this commits. The previous text is kept in the event, so
    editors can see what changed. An unchanged text changes nothing.
    """
    now = now or timezone.now()
    body = body.strip()
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        _check_window(comment, now)
        held = comment.status not in _EDITABLE and comment_held_by_ban(comment)
        if comment.status not in _EDITABLE and not held:
            raise ValidationError(CANNOT_CHANGE, code="invalid_transition")
        if body == comment.body:
            return comment
        previous = comment.body
        if held:
            # It stays rejected, unchecked; the log keeps the old text. No
            # move, so no consequences (_event's hooks) either.
            comment.body = body
            comment.full_clean(exclude=["article", "parent", "author_name", "author_email"])
            comment.edited_at = now
            comment.save(update_fields=["body", *comment.fingerprint(), "edited_at"])
            ModerationEvent.objects.create(
                comment=comment, from_status=S.REJECTED, to_status=S.REJECTED,
                reason=f"Edited by its author (held by a ban). Previous text:\n{previous}",
            )
            comment.decision_reason = None  # as comment_list_own has it: no editor decided
            return comment
        from_status = comment.status
        comment.body = body
        comment.full_clean(exclude=["article", "parent", "author_name", "author_email"])
        comment.status = S.PENDING
        comment.status_changed_at = now
        comment.edited_at = now
        comment.approved_at = None
        # A new text gets the full MAX_CHECK_ATTEMPTS again.
        comment.check_attempts = 0
        comment.save(
            update_fields=[
                "body", *comment.fingerprint(), "status", "status_changed_at", "edited_at",
                "approved_at", "check_attempts",
            ]
        )
        _event(
            comment=comment,
            from_status=from_status,
            to_status=S.PENDING,
            reason=f"Edited by its author. Previous text:\n{previous}",
        )
        transaction.on_commit(lambda: comment_enqueue_check(comment_id=comment.pk))
    return comment


def comment_withdraw(*, comment: Comment, now=None) -> Comment:
    """Its author deletes it, within the edit window: ``removed`` for good."""
    now = now or timezone.now()
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.status == S.REMOVED:
            return comment
        _check_window(comment, now)
        if comment.status not in _EDITABLE and not comment_held_by_ban(comment):
            raise ValidationError(CANNOT_CHANGE, code="invalid_transition")
        from_status = comment.status
        comment.status = S.REMOVED
        comment.status_changed_at = now
        comment.approved_at = None
        comment.save(update_fields=["status", "status_changed_at", "approved_at"])
        _event(
            comment=comment,
            from_status=from_status,
            to_status=S.REMOVED,
            reason="Withdrawn by its author",
        )
    return comment


REPORT_DUPLICATE = "You have already reported this comment."
REPORT_NOT_PUBLIC = "This comment is no longer published."


def comment_report(
    *, comment: Comment, reason: str, session_hash: str, ip_hash: str = ""
) -> CommentReport:
    """A reader reports a public comment. Once COMMENT_REPORT_THRESHOLD
    readers have reported it since it was approved, it goes back to the
    editors' queue (``approved`` -> ``review``).

    One report per browser session: the same session again is told it has
    already reported. Readers behind one IP address (an office, a mobile
    network) are never told that: each report is thanked and stored, but
    only the first from an address within COMMENT_REPORT_IP_WINDOW_MINUTES
    counts towards the threshold."""
    from comments.models import ReportReason

    if reason not in ReportReason.values:
        raise ValidationError(
            {"reason": [f"Choose one of: {', '.join(ReportReason.values)}."]},
            code="invalid_reason",
        )
    if not session_hash:
        raise ValidationError("A report needs a browser session.", code="no_session")
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.status != S.APPROVED:
            raise ValidationError(REPORT_NOT_PUBLIC, code="not_public")
        if comment.reports.filter(session_hash=session_hash).exists():
            raise ValidationError(REPORT_DUPLICATE, code="duplicate_report")
        now = timezone.now()
        since = comment.approved_at or comment.created_at
        window_start = max(since, now - timedelta(minutes=settings.COMMENT_REPORT_IP_WINDOW_MINUTES))
        counted = not (
            ip_hash
            and comment.reports.filter(ip_hash=ip_hash, counted=True, created_at__gte=window_start).exists()
        )
        report = CommentReport.objects.create(
            comment=comment, reason=reason, session_hash=session_hash, ip_hash=ip_hash, counted=counted
        )
        count = comment.reports.filter(created_at__gte=since, counted=True).count()
        if count >= settings.COMMENT_REPORT_THRESHOLD:
            now = timezone.now()
            comment.status = S.REVIEW
            comment.status_changed_at = now
            comment.save(update_fields=["status", "status_changed_at"])
            _event(
                comment=comment,
                from_status=S.APPROVED,
                to_status=S.REVIEW,
                reason=f"Reported by {count} readers",
            )
    return report


# --- Idempotent submission (the API's Idempotency-Key) ----------------------------


class IdempotencyConflict(Exception):
    pass


def _request_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def idempotency_records_purge(*, now=None) -> int:
    """Forget Idempotency-Keys older than IDEMPOTENCY_KEY_TTL_HOURS (a retry
    comes within minutes; the table would otherwise grow for ever).
    Returns how many were deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def comment_create_idempotent(
    *, article: Article, data: dict, client: str, idempotency_key: str, create
) -> tuple[Comment, bool]:
    """Create a comment once per (client, Idempotency-Key); ``client`` is
    an ``idempotency_scope``.

    Returns (comment, replayed). ``create`` is a function that creates the
    comment (``comments.services.comment_create`` with the request's
    details). The same key with another body or article raises
    IdempotencyConflict. Two concurrent requests with one key: the unique
    constraint lets one commit; the other rolls back its comment and
    returns the winner's.
    """
    request_hash = _request_hash({"article": article.pk, **data})

    def existing() -> tuple[Comment, bool] | None:
        record = (
            IdempotencyRecord.objects.select_related("comment")
            .filter(client=client, key=idempotency_key)
            .first()
        )
        if record is None:
            return None
        if record.request_hash != request_hash:
            raise IdempotencyConflict(
                "This Idempotency-Key was already used with a different request; "
                "use a new key for a new comment."
            )
        return record.comment, True

    found = existing()
    if found:
        return found
    try:
        with transaction.atomic():
            comment = create()
            IdempotencyRecord.objects.create(
                client=client, key=idempotency_key, request_hash=request_hash, comment=comment
            )
    except IntegrityError:
        found = existing()
        if found:
            return found
        raise
    return comment, False


def idempotency_scope(*, client: str, article: Article, data: dict) -> str:
    """The space an Idempotency-Key lives in. A user or an API key has its
    own. Anonymous clients (``ip:...``) share addresses (offices, mobile
    networks), so their keys are scoped to the request as well: nobody can
    replay, or block with a conflict, a neighbour's submission by guessing
    its key."""
    if not client.startswith("ip:"):
        return client
    request_hash = _request_hash({"article": article.pk, **data})
    return "ipreq:" + hashlib.sha256(f"{client}|{request_hash}".encode()).hexdigest()


IDEMPOTENCY_KEY_PATTERN = r"^[!-~]([ -~]{0,253}[!-~])?$"


def validate_idempotency_key(value: str) -> str:
    """1 to 255 printable ASCII characters, no space at either end."""
    if not re.fullmatch(IDEMPOTENCY_KEY_PATTERN[1:-1], value):
        raise ValidationError(
            {"Idempotency-Key": ["Must be 1 to 255 printable ASCII characters."]}, code="invalid"
        )
    return value
