"""Phone numbers and money or crypto lures: spam that needs no link."""

from __future__ import annotations

import re

from detection.classifiers.base import CheckResult, CommentSample, Reason
from detection.classifiers.text import fold

# +44 20 7946 0958, (555) 123-4567, 07700 900123, +1-202-555-0143 ...
PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d\s().\-]{7,17}\d(?!\w)")
MONEY = re.compile(
    r"(?:[$£€]\s?\d[\d,.]{0,30}\s?(?:k|usd|dollars?)?\s*(?:a|per|/)\s*(?:day|week|hour|month)"
    r"|\b\d[\d,.]{0,30}\s?(?:usd|dollars?|euros?|pounds?)\s*(?:a|per|/)\s*(?:day|week|hour|month)"
    r"|\bearn(?:ed|ing)?\s+(?:up\s+to\s+)?[$£€]?\s?\d[\d,.]*"
    r"|\b(?:bitcoin|btc|eth|usdt|crypto)\s+(?:wallet|trading|investment|signals?|profit)"
    r"|\b(?:double|triple)\s+your\s+(?:money|investment|bitcoin)"
    r"|\b(?:sugar\s+daddy|forex\s+trader|account\s+manager|binary\s+options?))",
    re.IGNORECASE,
)
CONTACT = re.compile(r"\b(?:whats\s?app|telegram|wickr|signal\s+me|text\s+me|call\s+me)\b", re.IGNORECASE)


def _phones(text: str) -> list[str]:
    found = []
    for m in PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        # Years, ranges ("2022-2024") and counts are not phone numbers.
        if 9 <= len(digits) <= 15 and not re.fullmatch(r"(19|20)\d\d\D+(19|20)\d\d", m.group(0).strip()):
            found.append(m.group(0).strip())
    return found


class LureChecker:
    name = "lures"

    def check(self, sample: CommentSample) -> CheckResult:
        text = fold(sample.body)
        phones = _phones(sample.body)
        money = [m.group(0) for m in MONEY.finditer(text)]
        contact = [m.group(0) for m in CONTACT.finditer(text)]
        reasons, spam = [], 0.0
        if phones:
            spam = 0.5
            reasons.append(Reason(self.name, "spam", "Phone number", tuple(phones[:3])))
        if money:
            spam = max(spam, 0.6)
            reasons.append(Reason(self.name, "spam", "Money or crypto lure", tuple(money[:3])))
        if contact and (phones or money):
            spam = max(spam, 0.85)
            reasons.append(Reason(self.name, "spam", "Asks to be contacted off-site", tuple(contact[:3])))
        return CheckResult(spam=spam, reasons=tuple(reasons))
