"""Writes for the editors' moderation desk: bans, notifications to
commenters, queue alerts to editors and the auto-closing of articles.

Decisions themselves go through ``comments.services`` (``_decide``), which
writes the event log; this module reacts to them in
``desk_after_transition``, registered in ``comments.hooks`` by
``ModerationConfig.ready()``.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article
from articles.selectors import article_comments_expired
from moderation.selectors import desk_queue_depth
from moderation.models import Ban, BanKind, BanMode, QueueAlert
from comments.models import Comment, CommentStatus
from newsroom.http import hash_ip

logger = logging.getLogger(__name__)
S = CommentStatus


def desk_after_transition(*, comment: Comment, from_status: str, to_status: str) -> None:
    """Once the move has committed: tell the author about an editor's
    decision (if they asked to be told), and check the queue alerts when
    the queue grew or shrank."""
    if to_status in (S.APPROVED, S.REJECTED) and comment.notify_author and not comment.shadow:
        pk = comment.pk
        transaction.on_commit(lambda: _enqueue_author_notice(comment_id=pk, status=to_status))
    if S.REVIEW in (from_status, to_status):
        transaction.on_commit(queue_alert_check)


def _enqueue_author_notice(*, comment_id: int, status: str) -> None:
    """Send after the undo window, so that an undone decision is never
    mailed; the task checks the status again before sending."""
    from moderation.tasks import comment_notify_author

    try:
        comment_notify_author.apply_async(
            args=[comment_id, status], countdown=settings.MODERATION_UNDO_SECONDS
        )
    except Exception:  # the broker is down: the decision stands, no mail
        logger.warning("Could not enqueue notice for comment %s.", comment_id, exc_info=True)


def comment_notify_author(*, comment_id: int, status: str) -> bool:
    """Mail the author that their comment was approved or rejected, if it
    still is and they have not been told already. Returns whether a mail
    was sent."""
    # Claim the notice with a conditional update: a duplicated task, or a
    # decision undone and taken again, sends one mail.
    claimed = (
        Comment.objects.filter(pk=comment_id, status=status, notify_author=True, shadow=False)
        .exclude(author_notified_status=status)
        .update(author_notified_status=status)
    )
    if not claimed:
        return False
    comment = Comment.objects.select_related("article").get(pk=comment_id)
    headline = comment.article.headline
    if status == S.APPROVED:
        subject = "Your comment was published"
        text = (
            f"Hello {comment.author_name},\n\nyour comment on \"{headline}\" was approved "
            f"and is now published.\n"
        )
    else:
        subject = "Your comment was not published"
        text = (
            f"Hello {comment.author_name},\n\nan editor decided not to publish your comment "
            f"on \"{headline}\".\n"
        )
    text += f"\nYour comment:\n\n{comment.body}\n\n-- {settings.SITE_NAME}\n"
    send_mail(subject, text, None, [comment.author_email])
    return True


def queue_alert_check(*, now: datetime | None = None) -> int:
    """Mail the editors whose queue threshold has been passed (once per
    crossing) and re-arm the alerts of those below it. Returns mails sent."""
    now = now or timezone.now()
    # Runs after every move into or out of the queue: one query when
    # nobody has subscribed.
    alerts = list(QueueAlert.objects.select_related("user"))
    if not alerts:
        return 0
    depth = desk_queue_depth()
    QueueAlert.objects.filter(armed=False, threshold__gt=depth).update(armed=True)
    sent = 0
    due = [a for a in alerts if a.armed and a.threshold <= depth and a.user.is_active]
    for alert in due:
        # Conditional: two processes checking at once send one mail.
        if not QueueAlert.objects.filter(pk=alert.pk, armed=True).update(
            armed=False, last_sent_at=now
        ):
            continue
        if not alert.user.email:
            continue
        send_mail(
            f"Moderation queue: {depth} comments waiting",
            f"The moderation queue has {depth} comments awaiting review "
            f"(your alert threshold is {alert.threshold}).\n\n-- {settings.SITE_NAME}\n",
            None,
            [alert.user.email],
        )
        sent += 1
    return sent


def queue_alert_set(*, user, threshold: int | None) -> QueueAlert | None:
    """Subscribe (or change the threshold), or unsubscribe with None."""
    if threshold is None:
        QueueAlert.objects.filter(user=user).delete()
        return None
    if threshold < 1:
        raise ValidationError("The threshold must be at least 1.", code="invalid")
    alert, _ = QueueAlert.objects.update_or_create(
        user=user, defaults={"threshold": threshold, "armed": True}
    )
    return alert


def ban_normalise(*, kind: str, value: str) -> tuple[str, str]:
    """(value to store, label to show). Raises ValidationError."""
    value = value.strip()
    if kind == BanKind.EMAIL:
        value = value.lower()
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError("Enter a valid e-mail address to ban.", code="invalid")
        return value, value
    if kind == BanKind.DOMAIN:
        value = value.lower().lstrip("@").strip(".")
        if "." not in value or "@" in value or " " in value:
            raise ValidationError(
                "Enter an e-mail domain such as example.com.", code="invalid"
            )
        return value, value
    if kind == BanKind.IP:
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            raise ValidationError("Enter a valid IPv4 or IPv6 address.", code="invalid")
        # Only the keyed hash is kept; the label masks the host part.
        if address.version == 4:
            label = ".".join(str(address).split(".")[:2] + ["x", "x"])
        else:
            label = str(address).split(":")[0] + ":…"
        return hash_ip(str(address)), label
    raise ValidationError(f"Unknown ban kind {kind!r}.", code="invalid")


def ban_create(
    *,
    kind: str,
    value: str,
    reason: str,
    actor,
    mode: str = BanMode.REJECT,
    expires_at: datetime | None = None,
    already_hashed: bool = False,
) -> Ban:
    """Ban an e-mail address, an e-mail domain or an IP address (given raw
    and stored only as its keyed hash; ``already_hashed`` when banning the
    IP of a stored comment)."""
    if mode not in BanMode.values:
        raise ValidationError(f"Unknown ban mode {mode!r}.", code="invalid")
    if not reason.strip():
        raise ValidationError("A ban needs a reason.", code="required")
    if kind == BanKind.IP and already_hashed:
        if not value:
            raise ValidationError("This comment has no IP address on record.", code="invalid")
        stored, label = value, "IP of a comment"
    else:
        stored, label = ban_normalise(kind=kind, value=value)
    try:
        with transaction.atomic():
            return Ban.objects.create(
                kind=kind, value=stored, label=label, mode=mode, reason=reason.strip()[:300],
                expires_at=expires_at, created_by=actor,
            )
    except IntegrityError:
        raise ValidationError(f"{label} is already banned.", code="duplicate")


def ban_create_for_comment(
    *, comment: Comment, kind: str, reason: str, actor, mode: str = BanMode.REJECT
) -> Ban:
    """Ban the author of a comment by their address, domain or IP."""
    if kind == BanKind.IP:
        return ban_create(
            kind=kind, value=comment.ip_hash, reason=reason, actor=actor, mode=mode,
            already_hashed=True,
        )
    value = comment.author_email
    if kind == BanKind.DOMAIN:
        value = comment.author_email.rpartition("@")[2]
    return ban_create(kind=kind, value=value, reason=reason, actor=actor, mode=mode)


def article_close_expired(*, now: datetime | None = None) -> int:
    """Close comments on articles past their auto_close_after_days.
    (``comment_create`` refuses them already; this makes the article page
    and the admin say so.) Returns how many were closed."""
    now = now or timezone.now()
    closed = 0
    candidates = Article.objects.filter(comments_open=True, auto_close_after_days__isnull=False)
    for article in candidates.only("pk", "published_at", "auto_close_after_days"):
        if article_comments_expired(article=article, now=now):
            closed += Article.objects.filter(pk=article.pk).update(comments_open=False)
    return closed


# --- The Editors group --------------------------------------------------------

EDITORS = "Editors"
EDITOR_PERMISSIONS = [
    ("articles", "view_article"),
    ("comments", "moderate_comment"),
    ("comments", "view_comment"),
    ("comments", "view_moderationevent"),
    ("comments", "view_commentreport"),
    *[("moderation", f"{verb}_{model}") for model in ("ban", "queuealert")
      for verb in ("add", "change", "delete", "view")],
    *[("detection", f"{verb}_{model}") for model in ("domainrule", "term")
      for verb in ("add", "change", "delete", "view")],
]


def editors_group_ensure():
    """The Editors group with what editors may do (the migrations grant the
    same; this restores it after a test flush or a manual change)."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    group, _ = Group.objects.get_or_create(name=EDITORS)
    wanted = Q(pk__in=[])
    for app_label, codename in EDITOR_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.add(*Permission.objects.filter(wanted))
    return group
