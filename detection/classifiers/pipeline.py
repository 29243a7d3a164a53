"""Run every configured checker on a comment and combine their results.

Scores combine as a noisy-OR, 1 - prod(1 - s), so independent weak signals
add up while one strong signal is enough on its own. For spam, evidence that
is common in legitimate news comments (a link to an unfamiliar domain,
repeated characters: ``CheckResult.spam_specific``) can lift the combined
score to ``CIRCUMSTANTIAL_SPAM_CEILING`` at most: the spam folder (0.9 by
default) takes only comments whose spam-specific evidence reaches it.

Optional hosted checkers (Akismet, a generic HTTP service) are appended to
the configured ones when their switch is on (``HOSTED_CHECKERS``). When one
of them fails for good, the other checkers' scores stand and the comment is
held for an editor with a reason naming the service (docs/hosted-checkers.md).
Each sits behind a circuit breaker (``breaker``): after repeated failures
it is not called for a cool-down, with the same outcome at no cost.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from detection.classifiers import breaker
from detection.classifiers.base import (
    Checker,
    CheckError,
    CheckResult,
    CommentSample,
    Reason,
    TransientCheckError,
)
from detection.classifiers.links import without_allowed_links

DEFAULT_CHECKERS = [
    "detection.classifiers.links.LinkChecker",
    "detection.classifiers.lures.LureChecker",
    "detection.classifiers.shouting.ShoutingChecker",
    "detection.classifiers.threats.ThreatChecker",
    "detection.classifiers.terms.TermChecker",
    "detection.classifiers.formsignals.FormSignalsChecker",
    "detection.classifiers.duplicate.DuplicateChecker",
    "detection.classifiers.rate.RateChecker",
    "detection.classifiers.model.TrainedModelChecker",
]

# Optional hosted checkers: (on/off setting, checker), off by default.
HOSTED_CHECKERS = [
    ("AKISMET_ENABLED", "detection.classifiers.akismet.AkismetChecker"),
    ("MODERATION_HTTP_ENABLED", "detection.classifiers.http_moderation.HttpModerationChecker"),
]


# Circumstantial spam evidence lifts the combined spam score this far at
# most: into review, below the default spam-folder band (0.9).
CIRCUMSTANTIAL_SPAM_CEILING = 0.85


@cache
def _load(paths: tuple[str, ...]) -> tuple[Checker, ...]:
    return tuple(import_string(path)() for path in paths)


def get_checkers() -> tuple[Checker, ...]:
    paths = list(getattr(settings, "COMMENT_CHECKERS", DEFAULT_CHECKERS))
    paths += [path for switch, path in HOSTED_CHECKERS if getattr(settings, switch, False)]
    return _load(tuple(paths))


def combine(results: list[CheckResult]) -> CheckResult:
    keep_spam = keep_specific = keep_toxicity = 1.0
    reasons: list[Reason] = []
    unavailable: list[str] = []
    for result in results:
        keep_spam *= 1.0 - result.spam
        specific = result.spam if result.spam_specific is None else min(result.spam_specific, result.spam)
        keep_specific *= 1.0 - specific
        keep_toxicity *= 1.0 - result.toxicity
        reasons.extend(result.reasons)
        unavailable.extend(result.unavailable)
    specific = 1.0 - keep_specific
    spam = max(specific, min(1.0 - keep_spam, CIRCUMSTANTIAL_SPAM_CEILING))
    return CheckResult(
        spam=round(spam, 4),
        toxicity=round(1.0 - keep_toxicity, 4),
        reasons=tuple(reasons),
        unavailable=tuple(unavailable),
    )


def _unavailable(checker: Checker, error: CheckError | str) -> CheckResult:
    """What a hosted checker contributes when it could not answer: no
    score, a reason naming the service and the error, and a hold."""
    return CheckResult(
        reasons=(Reason(checker.name, "spam", f"{error}; held for review"),),
        unavailable=(checker.name,),
    )


def run_checks(
    sample: CommentSample, *, history: bool = True, final_attempt: bool = False
) -> CheckResult:
    """Score one comment. With ``history=False``, checkers that read other
    comments (duplicates, posting rates) are skipped.

    A hosted checker's permanent error (and, on the ``final_attempt``, its
    transient error) does not fail the check: it is recorded in
    ``unavailable`` and the local checkers' scores stand. Any other error
    propagates: transient ones are retried by the task.
    """
    results = []
    vouched = None
    for checker in get_checkers():
        if not history and getattr(checker, "uses_history", False):
            continue
        seen = sample
        if getattr(checker, "ignores_allowed_links", False):
            # Links to domains editors allow are no evidence of spam.
            if vouched is None:
                vouched = replace(sample, body=without_allowed_links(sample.body))
            seen = vouched
        hosted = getattr(checker, "hosted", False)
        service = getattr(checker, "service", checker.name)
        if hosted and (skipped := breaker.skip_reason(service)):
            # Down a moment ago (detection.classifiers.breaker): not called.
            results.append(_unavailable(checker, skipped))
            continue
        try:
            results.append(checker.check(seen))
        except CheckError as error:
            if hosted:
                breaker.record_failure(service, error)
            retry = isinstance(error, TransientCheckError) and not final_attempt
            if retry or not hosted:
                raise
            results.append(_unavailable(checker, error))
        else:
            if hosted:
                breaker.record_success(service)
    return combine(results)
