"""Posting rate per e-mail address and per IP (hashed)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from detection.classifiers.base import CheckResult, CommentSample, Reason
from detection.history import get_history


class RateChecker:
    name = "rate"
    uses_history = True

    def check(self, sample: CommentSample) -> CheckResult:
        history = get_history()
        if history is None:
            return CheckResult()
        window = settings.COMMENT_RATE_WINDOW_MINUTES
        limit = settings.COMMENT_RATE_LIMIT
        since = timezone.now() - timedelta(minutes=window)
        by_email, by_ip = history.recent_counts(
            author_email=sample.author_email, ip_hash=sample.ip_hash, since=since,
            exclude_id=sample.comment_id,
        )
        counts = {"email": by_email, "ip": by_ip}
        reasons, spam = [], 0.0
        for label, key, value in (
            ("this e-mail address", "email", sample.author_email),
            ("this IP address", "ip", sample.ip_hash),
        ):
            if not value:
                continue
            count = counts[key] + 1
            if count > limit:
                spam = max(spam, 0.9 if count > 2 * limit else 0.5)
                reasons.append(
                    Reason(self.name, "spam", f"{count} comments from {label} in {window} minutes")
                )
        return CheckResult(spam=spam, reasons=tuple(reasons))
