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


_TOKEN = re.compile(r"[a-z0-9@$!|]+")
_LETTER = re.compile(r"[a-z]")
# "i d i o t", "i.d.i.o.t", "i-d-i-o-t": letters split to dodge filters.
_SPACED = re.compile(r"(?<![\w@$])(?:[a-z0-9@$][\s.\-_*]){2,}[a-z0-9@$](?![\w@$])")


def words(text: str) -> list[str]:
    """The words of a text: folded, with letter-by-letter spellings joined
    and leetspeak undone inside words ("1d10t", "$hit"), but numbers left
    alone ("2024") and trailing "!" treated as punctuation."""
    folded = _SPACED.sub(lambda m: re.sub(r"[\s.\-_*]", "", m.group(0)), fold(text))
    out = []
    for token in _TOKEN.findall(folded):
        token = token.strip("!|")
        if not token:
            continue
        if _LETTER.search(token):
            token = token.translate(_LEET)
        token = re.sub(r"[^a-z0-9]", "", token)
        if token:
            out.append(token)
    return out


def simhash(text: str) -> int:
    """A 64-bit SimHash over word 3-shingles: near-identical texts differ in
    a few bits. Returned as a signed 64-bit int (PostgreSQL's bigint)."""
    import hashlib

    tokens = words(text)
    shingles = [" ".join(tokens[i : i + 3]) for i in range(max(1, len(tokens) - 2))]
    counts = [0] * 64
    for shingle in shingles:
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            counts[bit] += 1 if h >> bit & 1 else -1
    value = sum(1 << bit for bit in range(64) if counts[bit] > 0)
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def simhash_bands(value: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a SimHash (as stored, signed or not)."""
    unsigned = value & ((1 << 64) - 1)
    return tuple((unsigned >> (16 * i)) & 0xFFFF for i in range(4))
