"""Posting rate per e-mail address and per IP (hashed)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
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
        by_email = Q(author_email__iexact=sample.author_email) if sample.author_email else Q(pk__in=[])
        by_ip = Q(ip_hash=sample.ip_hash) if sample.ip_hash else Q(pk__in=[])
        # One query for both counts.
        counts = (
            Comment.objects.filter(created_at__gte=since)
            .filter(by_email | by_ip)
            .exclude(pk=sample.comment_id)
            .aggregate(email=Count("pk", filter=by_email), ip=Count("pk", filter=by_ip))
        )
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
