"""Links and obfuscated links: the commonest sign of comment spam."""

from __future__ import annotations

import re

from comments.classifiers.base import CheckResult, CommentSample, Reason
from comments.classifiers.text import fold

_TLDS = r"(?:com|net|org|info|biz|io|co|ru|xyz|top|site|online|shop|me|ly|tk|uk|de|us)"
URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
BARE_DOMAIN = re.compile(rf"\b[a-z0-9][a-z0-9-]{{1,62}}\.{_TLDS}\b(?:/[^\s]*)?", re.IGNORECASE)
# "example dot com", "example [dot] com", "example (.) com", "hxxp://", "e x a m p l e . c o m"
OBFUSCATED = re.compile(
    rf"(?:\bhxxps?\b|\b[a-z0-9-]{{2,}}\s*[\[\(\{{<]?\s*(?:dot|\.)\s*[\]\)\}}>]?\s*{_TLDS}\b"
    rf"|(?:\b\w\s){{4,}}\.\s?(?:c\so\sm|n\se\st|o\sr\sg)\b)",
    re.IGNORECASE,
)


class LinkChecker:
    name = "links"

    def check(self, sample: CommentSample) -> CheckResult:
        text = sample.body
        links = URL.findall(text)
        bare = [d for d in BARE_DOMAIN.findall(text) if not any(d in link for link in links)]
        found = links + bare
        folded = fold(text)
        obfuscated = [
            m.group(0) for m in OBFUSCATED.finditer(folded)
            if not any(m.group(0).replace(" ", "") in f.lower() for f in found)
        ]
        reasons = []
        spam = 0.0
        if found:
            spam = {1: 0.3, 2: 0.6}.get(len(found), 0.85)
            noun = "link" if len(found) == 1 else "links"
            reasons.append(Reason(self.name, "spam", f"{len(found)} {noun}", tuple(found[:5])))
        if obfuscated:
            spam = max(spam, 0.75)
            reasons.append(
                Reason(self.name, "spam", "Disguised link", tuple(obfuscated[:5]))
            )
        return CheckResult(spam=spam, reasons=tuple(reasons))
