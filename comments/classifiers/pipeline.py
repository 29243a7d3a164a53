"""Run every configured checker on a comment and combine their results.

Scores combine as a noisy-OR, 1 - prod(1 - s), so independent weak signals
add up while one strong signal is enough on its own.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from comments.classifiers.base import Checker, CheckResult, CommentSample

DEFAULT_CHECKERS = [
    "comments.classifiers.links.LinkChecker",
    "comments.classifiers.lures.LureChecker",
    "comments.classifiers.shouting.ShoutingChecker",
    "comments.classifiers.terms.TermChecker",
    "comments.classifiers.formsignals.FormSignalsChecker",
    "comments.classifiers.duplicate.DuplicateChecker",
    "comments.classifiers.rate.RateChecker",
]


@cache
def _load(paths: tuple[str, ...]) -> tuple[Checker, ...]:
    return tuple(import_string(path)() for path in paths)


def get_checkers() -> tuple[Checker, ...]:
    return _load(tuple(getattr(settings, "COMMENT_CHECKERS", DEFAULT_CHECKERS)))


def combine(results: list[CheckResult]) -> CheckResult:
    keep_spam = keep_toxicity = 1.0
    reasons = []
    for result in results:
        keep_spam *= 1.0 - result.spam
        keep_toxicity *= 1.0 - result.toxicity
        reasons.extend(result.reasons)
    return CheckResult(
        spam=round(1.0 - keep_spam, 4),
        toxicity=round(1.0 - keep_toxicity, 4),
        reasons=tuple(reasons),
    )


def run_checks(sample: CommentSample, *, history: bool = True) -> CheckResult:
    """Score one comment. With ``history=False``, checkers that read other
    comments (duplicates, posting rates) are skipped."""
    results = [
        checker.check(sample)
        for checker in get_checkers()
        if history or not getattr(checker, "uses_history", False)
    ]
    return combine(results)
