"""Posting rate per e-mail address and per IP (hashed)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from comments.classifiers.base import CheckResult, CommentSample, Reason


class RateChecker:
    name = "rate"
    uses_history = True

    def check(self, sample: CommentSample) -> CheckResult:
        from comments.models import Comment

        window = settings.COMMENT_RATE_WINDOW_MINUTES
        limit = settings.COMMENT_RATE_LIMIT
        since = timezone.now() - timedelta(minutes=window)
        recent = Comment.objects.filter(created_at__gte=since).exclude(pk=sample.comment_id)
        reasons, spam = [], 0.0
        for label, field, value in (
            ("this e-mail address", "author_email__iexact", sample.author_email),
            ("this IP address", "ip_hash", sample.ip_hash),
        ):
            if not value:
                continue
            count = recent.filter(**{field: value}).count() + 1
            if count > limit:
                spam = max(spam, 0.9 if count > 2 * limit else 0.5)
                reasons.append(
                    Reason(self.name, "spam", f"{count} comments from {label} in {window} minutes")
                )
        return CheckResult(spam=spam, reasons=tuple(reasons))
