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
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.selectors import article_comments_expired
from moderation.selectors import desk_queue_depth
from moderation.models import Ban, BanKind, BanMode, NoticeAddress, QueueAlert
from moderation.roles import ROLE_GROUPS, role_group_names, roles_grant
from comments.models import Comment, CommentStatus, DecisionReason
from comments.selectors import comment_last_decision_reason, rejection_reason_label
from newsroom.http import hash_ip
from newsroom.throttles import count_in_window

logger = logging.getLogger(__name__)
S = CommentStatus
NOTICE_SALT = "moderation.notice-confirm"


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


def notice_address_hash(email: str) -> str:
    return hash_ip(f"email:{email.strip().lower()}")


def _notice_mail_allowed(*, email_hash: str) -> bool:
    """Count one mail to the address; False past NOTICE_MAILS_PER_DAY (a
    fixed calendar day, UTC) so that no address can be flooded."""
    day = int(time.time() // 86400)
    count = count_in_window(cache, f"notice_mails:{email_hash}:{day}", 86400 + 3600)
    if count > settings.NOTICE_MAILS_PER_DAY:
        logger.warning("Notice mail to %s… not sent: %s today.", email_hash[:12], settings.NOTICE_MAILS_PER_DAY)
        return False
    return True


def _rejected_as_spam(comment: Comment) -> bool:
    reason = comment.events.order_by("-id").values_list("reason_code", flat=True).first()
    return reason == DecisionReason.SPAM


def notice_confirmation_url(*, email: str) -> str:
    token = signing.dumps(email.strip().lower(), salt=NOTICE_SALT, compress=True)
    return settings.SITE_URL.rstrip("/") + reverse("moderation:notice-confirm", args=[token])


def _notice_confirmation_send(*, address: NoticeAddress, email: str) -> bool:
    """The one confirmation mail an address ever gets. It quotes nothing
    a commenter wrote (not the name, not the comment): only the site's own
    words and the link."""
    sent = NoticeAddress.objects.filter(pk=address.pk, confirmation_sent_at__isnull=True).update(
        confirmation_sent_at=timezone.now()
    )
    if not sent or not _notice_mail_allowed(email_hash=address.email_hash):
        return False
    days = settings.NOTICE_CONFIRM_DAYS
    text = (
        f"Someone asked {settings.SITE_NAME} to e-mail this address when an editor decides "
        f"on a comment posted with it.\n\nIf that was you, confirm within {days} days:\n\n"
        f"{notice_confirmation_url(email=email)}\n\nIf it was not you, ignore this mail: "
        f"this address will not be written to again.\n\n-- {settings.SITE_NAME}\n"
    )
    send_mail(f"Confirm notices from {settings.SITE_NAME}", text, None, [email])
    return True


def comment_notify_author(*, comment_id: int, status: str) -> bool:
    """Mail the author that their comment was approved or rejected, if it
    still is, they have not been told already, and their address confirmed
    (double opt-in). An unconfirmed address gets, once ever, a mail asking
    it to confirm; the notice follows the confirmation. Spam, and comments
    rejected as spam, are never notified. Returns whether a notice was sent."""
    comment = (
        Comment.objects.select_related("article")
        .filter(pk=comment_id, status=status, notify_author=True, shadow=False)
        .exclude(author_notified_status=status)
        .first()
    )
    if comment is None or status not in (S.APPROVED, S.REJECTED):
        return False
    if status == S.REJECTED and _rejected_as_spam(comment):
        return False
    address, _ = NoticeAddress.objects.get_or_create(email_hash=notice_address_hash(comment.author_email))
    if address.confirmed_at is None:
        _notice_confirmation_send(address=address, email=comment.author_email)
        return False
    # Claim the notice with a conditional update: a duplicated task, or a
    # decision undone and taken again, sends one mail.
    claimed = (
        Comment.objects.filter(pk=comment_id, status=status, notify_author=True, shadow=False)
        .exclude(author_notified_status=status)
        .update(author_notified_status=status)
    )
    if not claimed or not _notice_mail_allowed(email_hash=address.email_hash):
        return False
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
        reason = rejection_reason_label(
            status=status, reason_code=comment_last_decision_reason(comment_id=comment.pk)
        )
        if reason:
            text += f"Reason: {reason}.\n"
    text += f"\nYour comment:\n\n{comment.body}\n\n-- {settings.SITE_NAME}\n"
    send_mail(subject, text, None, [comment.author_email])
    return True


def notice_address_confirm(*, token: str) -> int:
    """Confirm the address a confirmation link was sent to, then send the
    notices its decided comments were waiting for. Returns how many."""
    try:
        email = signing.loads(token, salt=NOTICE_SALT, max_age=timedelta(days=settings.NOTICE_CONFIRM_DAYS))
    except signing.SignatureExpired:
        raise ValidationError("This confirmation link has expired.", code="expired")
    except signing.BadSignature:
        raise ValidationError("This confirmation link is not valid.", code="invalid")
    address, _ = NoticeAddress.objects.get_or_create(email_hash=notice_address_hash(email))
    NoticeAddress.objects.filter(pk=address.pk, confirmed_at__isnull=True).update(confirmed_at=timezone.now())
    waiting = (
        Comment.objects.filter(
            author_email__iexact=email, notify_author=True, shadow=False, status__in=[S.APPROVED, S.REJECTED]
        )
        .exclude(author_notified_status=models.F("status"))
        .values_list("pk", "status")
    )
    return sum(comment_notify_author(comment_id=pk, status=status) for pk, status in waiting)


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


# --- Roles (moderation/roles.py) ---------------------------------------------


def roles_ensure() -> None:
    """Every role's group with exactly its permissions (the migration grants
    the same; this restores them after a test flush or a manual change)."""
    from django.contrib.auth.models import Group, Permission

    roles_grant(group_model=Group, permission_model=Permission)


@transaction.atomic
def staff_member_set_role(*, username: str, role: str, password: str | None = None):
    """Create or update a staff account with exactly ``role``: its group and
    those of the roles below it, out of higher roles' groups. Returns (user,
    the password set or None). ``password=None`` keeps a usable password."""
    import secrets

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    names = role_group_names(role)
    groups = list(Group.objects.filter(name__in=names))
    if len(groups) != len(names):
        raise ValidationError(
            "The role groups do not exist: run `manage.py migrate` first.", code="no_groups"
        )
    user, created = get_user_model().objects.get_or_create(username=username)
    user.is_staff = True
    if password is None and (created or not user.has_usable_password()):
        password = secrets.token_urlsafe(12)
    if password is not None:
        user.set_password(password)
    user.save()
    all_role_groups = [name for name, _ in ROLE_GROUPS.values()]
    user.groups.remove(*Group.objects.filter(name__in=all_role_groups).exclude(name__in=names))
    user.groups.add(*groups)
    return user, password


def staff_member_token(*, user, now: datetime | None = None) -> str:
    """The user's DRF token for the moderation API: the one they have while
    it is valid, a new one once it is older than API_TOKEN_TTL_DAYS (which
    newsroom.authentication refuses)."""
    from datetime import timedelta

    from rest_framework.authtoken.models import Token

    now = now or timezone.now()
    token = Token.objects.filter(user=user).first()
    if token is not None and now - token.created > timedelta(days=settings.API_TOKEN_TTL_DAYS):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
    return token.key
