"""Copies of a recent comment: the same text posted again."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from comments.classifiers.base import CheckResult, CommentSample, Reason
from comments.classifiers.text import fingerprint

MIN_LENGTH = 20  # "Agreed." twice is not spam.


class DuplicateChecker:
    name = "duplicate"
    # Reads other comments: skipped when scoring text without history.
    uses_history = True

    def check(self, sample: CommentSample) -> CheckResult:
        from comments.models import Comment

        key = fingerprint(sample.body)
        if len(key) < MIN_LENGTH:
            return CheckResult()
        since = timezone.now() - timedelta(hours=settings.COMMENT_DUPLICATE_WINDOW_HOURS)
        # Narrow by length in SQL, then compare fingerprints in Python.
        candidates = (
            Comment.objects.filter(created_at__gte=since)
            .exclude(pk=sample.comment_id)
            .order_by("-created_at")
            .values_list("id", "body")[:500]
        )
        copies = [pk for pk, body in candidates if fingerprint(body) == key]
        if not copies:
            return CheckResult()
        spam = 0.6 if len(copies) == 1 else 0.95
        ids = ", ".join(f"#{pk}" for pk in copies[:5])
        message = f"Same text as {len(copies)} recent comment(s): {ids}"
        return CheckResult(spam=spam, reasons=(Reason(self.name, "spam", message),))
