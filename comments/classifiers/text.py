"""Text normalisation shared by the rule-based checkers."""

from __future__ import annotations

import re
import unicodedata

# Look-alike letters readers use to dodge filters (Cyrillic, Greek, digits).
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x",
        "і": "i", "ј": "j", "ѕ": "s", "к": "k", "м": "m", "т": "t", "в": "b",
        "н": "h", "α": "a", "ο": "o", "ρ": "p", "ε": "e", "ι": "i", "κ": "k",
        "ν": "v", "τ": "t",
    }
)
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_WS = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip accents and fold look-alike letters to ASCII."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower().translate(_CONFUSABLES)


def normalise(text: str) -> str:
    """`fold`, then undo leetspeak and collapse white space."""
    return _WS.sub(" ", fold(text).translate(_LEET)).strip()


def fingerprint(text: str) -> str:
    """A key that is equal for copies that differ only in case, spacing or
    punctuation: used to spot duplicates."""
    return re.sub(r"[^a-z0-9]+", "", fold(text))[:500]
