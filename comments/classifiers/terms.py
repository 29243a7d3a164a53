"""A small built-in term list, matched after normalisation.

Matching runs on `normalise(text)`, so "1d10t", "IDIOT" and "іdiot" (with a
Cyrillic і) all match "idiot". The detection issue replaces this list with
editor-managed ones.
"""

from __future__ import annotations

import re

from comments.classifiers.base import CheckResult, CommentSample, Reason
from comments.classifiers.text import normalise

TOXIC_TERMS = (
    "idiot", "idiots", "moron", "morons", "imbecile", "stupid", "retard", "retarded",
    "scum", "scumbag", "piece of shit", "shut up", "go die", "kill yourself", "kys",
    "loser", "dumbass", "asshole", "bastard", "bitch", "fuck you", "fuck off",
    "cunt", "dickhead", "traitor scum", "subhuman", "vermin",
)
SPAM_TERMS = (
    "buy now", "click here", "free money", "work from home", "earn money",
    "make money", "per day from home", "casino", "viagra", "cialis", "bitcoin",
    "crypto investment", "investment opportunity", "guaranteed profit",
    "limited offer", "check out my channel", "subscribe to my", "whatsapp me",
    "telegram me", "dm me", "promo code", "cheap pills", "loan offer",
    "weight loss", "forex", "binary options",
)


def _compile(terms: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(t) for t in terms), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


_TOXIC = _compile(TOXIC_TERMS)
_SPAM = _compile(SPAM_TERMS)


class TermChecker:
    name = "terms"

    def check(self, sample: CommentSample) -> CheckResult:
        text = normalise(sample.body)
        toxic = sorted(set(_TOXIC.findall(text)))
        spammy = sorted(set(_SPAM.findall(text)))
        reasons = []
        toxicity = spam = 0.0
        if toxic:
            toxicity = 0.6 if len(toxic) == 1 else 0.85
            reasons.append(Reason(self.name, "toxicity", "Abusive terms", tuple(toxic)))
        if spammy:
            spam = {1: 0.4, 2: 0.7}.get(len(spammy), 0.9)
            reasons.append(Reason(self.name, "spam", "Spam phrases", tuple(spammy)))
        return CheckResult(spam=spam, toxicity=toxicity, reasons=tuple(reasons))
