"""Copies and near-copies of recent comments, on any article.

Each comment stores a 64-bit SimHash of its normalised word 3-shingles.
Copies that differ in case, punctuation, spacing or one word at an end stay
within MAX_DISTANCE (3 bits) and are caught; a word changed mid-text or an
added link moves a short comment 6-10 bits and is not (measured in
tests/detection/test_checkers.py). Widening the distance would need more
bands in the index (the pigeonhole guarantee below).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from detection.classifiers.base import CheckResult, CommentSample, Reason
from detection.classifiers.text import hamming, simhash, simhash_bands, words
from detection.history import get_history

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
        history = get_history()
        if history is None or len(words(sample.body)) < MIN_WORDS:
            return CheckResult()
        key = simhash(sample.body)
        since = timezone.now() - timedelta(hours=settings.COMMENT_DUPLICATE_WINDOW_HOURS)
        candidates = history.near_copies(
            bands=tuple(simhash_bands(key)), since=since, exclude_id=sample.comment_id, limit=RECENT
        )
        copies = [
            (c.comment_id, c.article_id) for c in candidates if hamming(c.simhash, key) <= MAX_DISTANCE
        ]
        if not copies:
            return CheckResult()
        articles = {art for _, art in copies}
        spam = 0.6 if len(copies) == 1 else 0.95
        ids = ", ".join(f"#{pk}" for pk, _ in copies[:5])
        where = f" on {len(articles)} articles" if len(articles) > 1 else ""
        message = f"Same or nearly the same text as {len(copies)} recent comment(s){where}: {ids}"
        return CheckResult(spam=spam, reasons=(Reason(self.name, "spam", message),))
