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


# Numbers that news comments cite and that look like phone numbers: ISBNs
# and ISSNs, statistical tables, case, bill, docket and reference numbers.
IDENTIFIER_BEFORE = re.compile(
    r"(?:isbn(?:-1[03])?|issn|doi|table|tables|catalogue|case|docket|file|bill|ref(?:erence)?|no\.?|number|#)"
    r"[\s:.#-]*$",
    re.IGNORECASE,
)


def _phones(text: str) -> list[str]:
    found = []
    for m in PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        # Years, ranges ("2022-2024") and counts are not phone numbers.
        if not 9 <= len(digits) <= 15 or re.fullmatch(r"(19|20)\d\d\D+(19|20)\d\d", m.group(0).strip()):
            continue
        # Nor are cited identifiers: "ISBN 978-0-679-73005-8", "table 14-10-0287-01".
        if IDENTIFIER_BEFORE.search(text[max(0, m.start() - 20) : m.start()]):
            continue
        if len(digits) == 13 and digits[:3] in ("978", "979"):  # an ISBN-13 without its label
            continue
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
