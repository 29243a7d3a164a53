"""Partner apps: API keys, webhook endpoints and their deliveries, and the
Idempotency-Key records of API submissions."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from newsroom.env import RATE_PATTERN
from partners.addresses import webhook_url_problem


def validate_rate(value: str) -> None:
    """A throttle rate DRF can read ("60/min"): anything else would make
    every request with the key a server error."""
    if value and not RATE_PATTERN.fullmatch(value):
        raise ValidationError(
            "Enter a rate such as 60/min: a number, '/', then s, min, hour or day.", code="invalid_rate"
        )


def _new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class ApiKey(models.Model):
    """A partner app's key. Only a SHA-256 hash of it is stored; the key
    itself is shown once, when an editor creates it in the admin."""

    name = models.CharField(max_length=100, help_text="Who the key is for.")
    # The first characters of the key, stored in clear to find the row.
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    hashed_key = models.CharField(max_length=64, editable=False)
    can_read = models.BooleanField(default=True, help_text="Scope: read comments and counts.")
    can_submit = models.BooleanField(default=False, help_text="Scope: submit comments.")
    read_rate = models.CharField(
        max_length=20, blank=True, validators=[validate_rate],
        help_text="Read throttle, e.g. 1200/min. Empty: API_THROTTLE_KEY_READ.",
    )
    submit_rate = models.CharField(
        max_length=20, blank=True, validators=[validate_rate],
        help_text="Submission throttle, e.g. 60/min. Empty: API_THROTTLE_KEY_SUBMIT.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()


class WebhookEvent(models.TextChoices):
    APPROVED = "comment.approved", "comment.approved"
    REJECTED = "comment.rejected", "comment.rejected"
    REMOVED = "comment.removed", "comment.removed"


class WebhookEndpoint(models.Model):
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    # Kept in clear: it is needed to sign every delivery.
    secret = models.CharField(max_length=80, default=_new_webhook_secret)
    on_approved = models.BooleanField("comment.approved", default=True)
    on_rejected = models.BooleanField("comment.rejected", default=True)
    on_removed = models.BooleanField("comment.removed", default=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"

    def clean(self):
        problem = webhook_url_problem(self.url) if self.url else None
        if problem:
            raise ValidationError({"url": problem})

    def wants(self, event: str) -> bool:
        return {
            WebhookEvent.APPROVED: self.on_approved,
            WebhookEvent.REJECTED: self.on_rejected,
            WebhookEvent.REMOVED: self.on_removed,
        }[event]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (gave up)"


class WebhookDelivery(models.Model):
    """One event for one endpoint; tried until it succeeds or retries run
    out. Every try is a WebhookAttempt."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=32, choices=WebhookEvent.choices)
    comment_id = models.BigIntegerField(db_index=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the next try is due; the sweep re-enqueues deliveries whose
    # message was lost (broker down at commit, worker gone).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="webhook_pending_idx",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.comment_id} → {self.endpoint.name}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"try {self.number}: {self.status_code or self.error[:40]}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
