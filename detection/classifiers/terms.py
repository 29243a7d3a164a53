"""Term lists: built-in defaults plus the ones editors manage in the admin.

Matching runs on `text.words(body)`: lower-cased, accents and look-alike
letters folded, leetspeak undone and letter-by-letter spellings joined, so
"1d10t", "IDIOT", "i d i o t" and "іdiot" (Cyrillic і) all match "idiot".

Terms are compiled into a dict keyed by phrase, and a comment is matched by
looking up each of its word n-grams (n up to the longest term): the cost
grows with the comment's length, not with the number of terms, so thousands
of terms stay fast. The compiled lists are rebuilt when editors change them
(a version number in the shared cache says when).
"""

from __future__ import annotations

import threading
import time
import uuid

from django.conf import settings

from newsroom.cache import shared_or_local

from detection.classifiers.base import CheckResult, CommentSample, Reason
from detection.classifiers.text import words

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
BUILTIN_WEIGHT = 0.6
VERSION_KEY = "comments:term-lists:version"


class CompiledTerms:
    def __init__(self, terms: dict[str, dict[str, tuple[float, str]]]):
        # head -> {normalised phrase: (weight, the term as written)}
        self.terms = terms
        self.max_words = max(
            (len(p.split()) for table in terms.values() for p in table), default=1
        )

    def match(self, tokens: list[str]) -> dict[str, dict[str, float]]:
        """head -> {term as written: weight} for every term in `tokens`."""
        found: dict[str, dict[str, float]] = {head: {} for head in self.terms}
        for n in range(1, self.max_words + 1):
            for i in range(len(tokens) - n + 1):
                phrase = " ".join(tokens[i : i + n])
                for head, table in self.terms.items():
                    hit = table.get(phrase)
                    if hit is not None:
                        found[head][hit[1]] = hit[0]
        return found


def _phrase(text: str) -> str:
    return " ".join(words(text))


def compile_terms() -> CompiledTerms:
    from detection.models import Term

    table: dict[str, dict[str, tuple[float, str]]] = {
        "spam": {_phrase(t): (BUILTIN_WEIGHT, t) for t in SPAM_TERMS},
        "toxicity": {_phrase(t): (BUILTIN_WEIGHT, t) for t in TOXIC_TERMS},
    }
    for text, head, weight in Term.objects.filter(is_active=True).values_list(
        "text", "head", "weight"
    ):
        phrase = _phrase(text)
        if phrase:
            table[head][phrase] = (weight, text)
    return CompiledTerms(table)


def lists_changed() -> None:
    """Tell every process to recompile its term and domain lists."""
    shared_or_local.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _current_version() -> str:
    # A random token, not a counter: after a cache flush a counter could
    # restart at a value some process already compiled for. While Redis is
    # down each process keeps its own (newsroom.cache): checks go on, and
    # editors' list changes reach the other processes once it is back.
    def read(cache) -> str:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(VERSION_KEY)
        return version

    return shared_or_local.call(read)


class _Compiled:
    """A per-process compiled object, rebuilt when the shared version moves.
    The version is read from the cache at most every
    COMMENT_LISTS_RECHECK_SECONDS, so scoring costs no round trip."""

    def __init__(self, build):
        self.build = build
        self.lock = threading.Lock()
        self.version = object()
        self.value = None
        self.checked_at = float("-inf")

    def get(self):
        now = time.monotonic()
        if now - self.checked_at < settings.COMMENT_LISTS_RECHECK_SECONDS:
            return self.value
        version = _current_version()
        self.checked_at = now
        if version != self.version:
            with self.lock:
                if version != self.version:
                    self.value = self.build()
                    self.version = version
        return self.value


_terms = _Compiled(compile_terms)


def _combine(weights) -> float:
    keep = 1.0
    for w in weights:
        keep *= 1.0 - w
    return round(1.0 - keep, 4)


class TermChecker:
    name = "terms"

    def check(self, sample: CommentSample) -> CheckResult:
        found = _terms.get().match(words(sample.body))
        toxic, spammy = found["toxicity"], found["spam"]
        reasons = []
        if toxic:
            reasons.append(Reason(self.name, "toxicity", "Abusive terms", tuple(sorted(toxic))))
        if spammy:
            reasons.append(Reason(self.name, "spam", "Spam phrases", tuple(sorted(spammy))))
        return CheckResult(
            spam=_combine(spammy.values()),
            toxicity=_combine(toxic.values()),
            reasons=tuple(reasons),
        )
