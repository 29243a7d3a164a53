"""Shouting (mostly capitals) and runs of repeated characters."""

from __future__ import annotations

import re

from detection.classifiers.base import CheckResult, CommentSample, Reason

REPEATS = re.compile(r"(\S)\1{4,}")
MIN_LETTERS = 20


class ShoutingChecker:
    name = "shouting"

    def check(self, sample: CommentSample) -> CheckResult:
        letters = [ch for ch in sample.body if ch.isalpha()]
        reasons = []
        spam = toxicity = 0.0
        if len(letters) >= MIN_LETTERS:
            upper = sum(ch.isupper() for ch in letters) / len(letters)
            if upper >= 0.7:
                spam, toxicity = 0.2, 0.3
                reasons.append(
                    Reason(self.name, "toxicity", f"Shouting: {upper:.0%} capitals")
                )
        runs = [m.group(0) for m in REPEATS.finditer(sample.body)]
        if runs:
            spam = max(spam, 0.2)
            toxicity = max(toxicity, 0.1)
            reasons.append(Reason(self.name, "spam", "Repeated characters", tuple(runs[:5])))
        # Capitals and "!!!!!" are common in heated but legitimate comments:
        # circumstantial spam evidence only.
        return CheckResult(spam=spam, toxicity=toxicity, reasons=tuple(reasons), spam_specific=0.0 if spam else None)
