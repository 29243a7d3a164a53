"""What the comment form saw: a filled honeypot, a too-fast submission."""

from __future__ import annotations

from django.conf import settings

from detection.classifiers.base import CheckResult, CommentSample, Reason


class FormSignalsChecker:
    name = "form"

    def check(self, sample: CommentSample) -> CheckResult:
        signals = sample.signals or {}
        reasons, spam = [], 0.0
        if signals.get("honeypot"):
            spam = 0.99
            reasons.append(Reason(self.name, "spam", "Filled in the hidden field only bots see"))
        seconds = signals.get("seconds_to_submit")
        if seconds is not None and seconds < settings.COMMENT_MIN_SUBMIT_SECONDS:
            spam = max(spam, 0.6)
            reasons.append(
                Reason(self.name, "spam", f"Submitted {seconds:.1f} s after the form was shown")
            )
        if signals.get("form_token") == "invalid":
            spam = max(spam, 0.3)
            reasons.append(Reason(self.name, "spam", "Form timestamp missing or tampered with"))
        return CheckResult(spam=spam, reasons=tuple(reasons))
