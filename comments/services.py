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

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Article
from comments.classifiers.base import CheckResult, CommentSample, TransientCheckError
from comments.classifiers.pipeline import run_checks
from comments.models import Comment, CommentStatus, DecisionReason, ModerationEvent

logger = logging.getLogger(__name__)

MAX_CHECK_ATTEMPTS = 5
S = CommentStatus

# Editors may decide from any state but the one they ask for.
_APPROVE_FROM = {S.PENDING, S.CHECKING, S.REVIEW, S.SPAM, S.REJECTED}
_REJECT_FROM = {S.PENDING, S.CHECKING, S.REVIEW, S.SPAM, S.APPROVED}
_SPAM_FROM = {S.PENDING, S.CHECKING, S.REVIEW, S.APPROVED, S.REJECTED}


def _after_transition(*, comment: Comment, from_status: str, to_status: str) -> None:
    """Everything that follows a status change, once it has committed.

    One place for the consequences of a move (cache invalidation, webhooks,
    notifications, feedback to hosted checkers), so that no caller can
    forget one. Called by ``_event``, which every transition writes.
    """
    from partners.services import api_after_transition

    api_after_transition(comment=comment, from_status=from_status, to_status=to_status)


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
    )
    _after_transition(comment=comment, from_status=from_status, to_status=to_status)
    return event


def comment_create(
    *,
    article: Article,
    author_name: str,
    author_email: str,
    body: str,
    ip_hash: str = "",
    user_agent: str = "",
) -> Comment:
    """Store a reader's comment as pending and queue it for checking."""
    if not article.comments_open:
        raise ValidationError("Comments are closed on this article.", code="closed")
    comment = Comment(
        article=article,
        author_name=author_name.strip(),
        author_email=author_email.strip(),
        body=body.strip(),
        ip_hash=ip_hash,
        user_agent=user_agent[:300],
    )
    comment.full_clean()
    with transaction.atomic():
        comment.save()
        _event(comment=comment, from_status="", to_status=S.PENDING, reason="Submitted")
        transaction.on_commit(lambda: comment_enqueue_check(comment_id=comment.pk))
    return comment


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
    """pending -> checking, by a conditional update: exactly one caller wins."""
    return bool(
        Comment.objects.filter(pk=comment_id, status=S.PENDING).update(
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
    return S.REVIEW, flagged


def _summary(result: CheckResult) -> str:
    head = f"Checked: spam {result.spam:.2f}, toxicity {result.toxicity:.2f}"
    if not result.reasons:
        return f"{head}; no rule fired"
    return head + "; " + "; ".join(r.message for r in result.reasons)


def comment_sample(comment: Comment) -> CommentSample:
    return CommentSample(
        body=comment.body,
        author_name=comment.author_name,
        author_email=comment.author_email,
        article_id=comment.article_id,
        comment_id=comment.pk,
        ip_hash=comment.ip_hash,
    )


def comment_check(*, comment_id: int) -> Comment | None:
    """Claim, check and route one comment. Returns None when there was
    nothing to do (another worker claimed it, or an editor decided)."""
    if not _claim(comment_id):
        return None
    comment = Comment.objects.select_related("article").get(pk=comment_id)
    try:
        result = run_checks(comment_sample(comment))
    except TransientCheckError:
        # Hand the claim back so that the retry (or the sweep) can take it.
        Comment.objects.filter(pk=comment_id, status=S.CHECKING).update(
            status=S.PENDING, status_changed_at=timezone.now()
        )
        raise
    status, flagged = _route(result, comment.article)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment_id)
        comment.spam_score = result.spam
        comment.toxicity_score = result.toxicity
        comment.risk = max(result.spam, result.toxicity)
        comment.flagged = flagged
        comment.reasons = [r.as_dict() for r in result.reasons]
        comment.checked_at = timezone.now()
        fields = ["spam_score", "toxicity_score", "risk", "flagged", "reasons", "checked_at"]
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
) -> Comment:
    if reason_code not in DecisionReason.values:
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
    """Re-enqueue comments stuck in pending/checking. Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.COMMENT_CHECK_TIMEOUT)
    stuck = list(
        Comment.objects.filter(
            status__in=[S.PENDING, S.CHECKING], status_changed_at__lt=cutoff
        ).values_list("pk", "status", "check_attempts")[:1000]
    )
    requeued = 0
    for pk, status, attempts in stuck:
        if attempts >= MAX_CHECK_ATTEMPTS:
            comment_check_failed(comment_id=pk, error=f"{attempts} attempts timed out")
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
