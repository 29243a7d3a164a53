"""Copies and near-copies of recent comments, on any article.

Each comment stores a 64-bit SimHash of its word 3-shingles; texts that
differ by a few words (a changed name, an added link) differ in a few bits.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from comments.classifiers.base import CheckResult, CommentSample, Reason
from comments.classifiers.text import hamming, simhash, simhash_bands, words

MIN_WORDS = 6  # "Agreed, well said." twice is not spam.
# Bits out of 64. Copies this close always share one of the four 16-bit
# bands the lookup uses (pigeonhole), so none is missed.
MAX_DISTANCE = 3
RECENT = 5000


class DuplicateChecker:
    name = "duplicate"
    # Reads other comments: skipped when scoring text without history.
    uses_history = True

    def check(self, sample: CommentSample) -> CheckResult:
        from comments.models import Comment

        if len(words(sample.body)) < MIN_WORDS:
            return CheckResult()
        key = simhash(sample.body)
        since = timezone.now() - timedelta(hours=settings.COMMENT_DUPLICATE_WINDOW_HOURS)
        bands = simhash_bands(key)
        same_band = Q()
        for i, band in enumerate(bands):
            same_band |= Q(**{f"simhash_b{i}": band})
        candidates = (
            Comment.objects.filter(same_band, created_at__gte=since)
            .exclude(pk=sample.comment_id)
            .order_by("-created_at")
            .values_list("id", "simhash", "article_id")[:RECENT]
        )
        copies = [(pk, art) for pk, h, art in candidates if hamming(h, key) <= MAX_DISTANCE]
        if not copies:
            return CheckResult()
        articles = {art for _, art in copies}
        spam = 0.6 if len(copies) == 1 else 0.95
        ids = ", ".join(f"#{pk}" for pk, _ in copies[:5])
        where = f" on {len(articles)} articles" if len(articles) > 1 else ""
        message = f"Same or nearly the same text as {len(copies)} recent comment(s){where}: {ids}"
        return CheckResult(spam=spam, reasons=(Reason(self.name, "spam", message),))
