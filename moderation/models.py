"""The editors' desk: bans, queue alerts, and the admin pages of the queue
and the dashboard (proxies of ``Comment``: no tables of their own).

Ban and QueueAlert keep the table names they had in ``comments``.
"""

from django.conf import settings
from django.db import models

from comments.models import Comment


class BanKind(models.TextChoices):
    EMAIL = "email", "E-mail address"
    DOMAIN = "domain", "E-mail domain"
    IP = "ip", "IP address"


class BanMode(models.TextChoices):
    REJECT = "reject", "Reject new comments"
    # The commenter is not told: their comments look pending to them.
    SHADOW = "shadow", "Shadow (visible only to the commenter)"


class Ban(models.Model):
    """A commenter whose new comments go straight to ``rejected``.

    ``value`` is normalised: a lower-case address, a lower-case domain, or
    for IP bans the keyed hash of the address (``newsroom.http.hash_ip``);
    the raw IP is never stored.
    """

    kind = models.CharField(max_length=6, choices=BanKind.choices)
    value = models.CharField(max_length=254)
    mode = models.CharField(max_length=6, choices=BanMode.choices, default=BanMode.REJECT)
    reason = models.CharField(max_length=300, help_text="Shown to editors in the event log.")
    # What the editor typed, for IP bans with the address masked.
    label = models.CharField(max_length=254, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "comments_ban"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="ban_unique_kind_value"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label or self.value}"


class QueueAlert(models.Model):
    """An editor's subscription: mail me when the queue passes N comments.

    ``armed`` is cleared when the alert is sent and set again once the
    queue drops back below the threshold, so one crossing sends one mail.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_alert"
    )
    threshold = models.PositiveIntegerField(default=50)
    armed = models.BooleanField(default=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "comments_queuealert"

    def __str__(self) -> str:
        return f"{self.user}: queue above {self.threshold}"


class ModerationQueue(Comment):
    """The editors' queue page in the admin (a proxy: no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "moderation queue"


class ModerationDashboard(Comment):
    """The moderation dashboard page in the admin (a proxy)."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "moderation dashboard"


class NoticeAddress(models.Model):
    """An e-mail address that asked to hear about its comments' fate.

    Double opt-in: nothing about a comment is mailed to the address until
    someone there follows the one confirmation link it is ever sent. Only
    a keyed hash of the address is kept here (``newsroom.http.hash_ip`` of
    ``email:<address>``); the comments hold the address itself.
    """

    email_hash = models.CharField(max_length=64, unique=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed_at else "unconfirmed"
        return f"Notice address {self.email_hash[:12]}… ({state})"
