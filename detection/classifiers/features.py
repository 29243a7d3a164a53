"""Text normalisation and featurisation shared by training and inference.

Pure Python (standard library only): the trained detectors in
``detection.classifiers.model`` and the training code in
``detection.training.train`` both call :func:`extract`, so a comment is turned
into exactly the same features when the model is trained and when it scores.

A comment becomes three blocks of string features:

``w:`` / ``b:``
    word unigrams and bigrams of normalised tokens (lower-cased, HTML
    unescaped, elongations squeezed, masked or leet-spelled swear words
    restored, URLs / e-mails / phone numbers / amounts replaced by
    placeholders such as ``xxurl``).
``c:``
    character 2- to 5-grams inside each word (padded with spaces), which
    carry misspellings, inflections and other languages.
``m:``
    a few binary layout features that spam and shouting have in common
    (links, phone numbers, money, capitals, exclamation marks, length).

Every token keeps the surface text it came from, so the model can name the
words that drove a score (see ``TrainedModelChecker``).

Bump ``FEATURE_VERSION`` whenever the output of :func:`extract` changes: the
artefacts record the version they were trained with and the model refuses to
load artefacts of another version.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

FEATURE_VERSION = 2

CHAR_NGRAM_MIN = 2
CHAR_NGRAM_MAX = 5
MAX_CHAR_TOKEN_LEN = 24  # longer "words" (hashes, base64) get no char n-grams
MAX_TEXT_CHARS = 5000  # the rest of a very long comment is ignored

# --- regular expressions -------------------------------------------------

# No repetition crosses a "<": each character is scanned by at most one
# tag attempt, so unclosed tags ("<a <a <a ...") cost linear time.
_TAG_RE = re.compile(r"<\s*(?:a\s[^<>]*?href\s*=\s*[\"']?([^\"'\s<>]+)[^<>]*|/?\s*[a-zA-Z][^<>]{0,200})>")
_ZERO_WIDTH_RE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_TLDS = (
    "com|net|org|info|biz|io|ly|co|me|us|uk|ru|de|fr|tk|xyz|top|site|online|"
    "club|shop|store|ws|cc|tv|gl|gd|be|eu|in|cn|pl|nl|it|es|ca|au|app|link"
)
# Repetitions that may have to give back (domain labels, e-mail parts,
# amounts before a currency) are bounded, so a search is linear in the text.
_TOKEN_RE = re.compile(
    r"(?P<url>(?:https?://|www\.)\S+|\b[a-z0-9][a-z0-9-]{1,62}(?:\.[a-z0-9-]{1,62}){0,8}\.(?:"
    + _TLDS
    + r")\b(?:/\S*)?)"
    r"|(?P<email>\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}\b)"
    r"|(?P<phone>(?:\+|\b)\d[\d\s().-]{5,}\d\b)"
    r"|(?P<money>[£$€¥]\s?\d[\d,.]*(?:\s?[km]\b)?|\b\d[\d,.]{0,30}\s?(?:£|€|\$|usd|eur|gbp|pounds?|dollars?|euros?)\b)"
    r"|(?P<mention>@\w+)"
    r"|(?P<word>[^\W_](?:(?:[^\W_]|['’*@$!-])*[^\W_*])?|[^\W_][*]+)"
    r"|(?P<emoji>[\U0001F000-\U0001FAFF\u2600-\u27BF])",
    re.IGNORECASE,
)
_ELONGATED_RE = re.compile(r"([^\W\d_])\1{2,}")
_DOUBLED_RE = re.compile(r"([^\W\d_])\1+")
_DIGITS_RE = re.compile(r"^\d+$")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_SEPARATORS_RE = re.compile(r"[.'’-]")

# Roots of swear words and insults that people mask ("f*ck", "b!tch",
# "sh1t", "a$$hole", "id10t"). A masked or leet-spelled token whose letters
# match one of these (``*`` standing for any letter) is replaced by the root
# plus whatever suffix followed. The list is about spelling, not about
# weights: the models learn how much each word matters.
_MASKABLE_ROOTS = (
    "fuck", "fucking", "fucker", "fucked", "shit", "shitty", "bitch", "bitches", "cunt", "dick",
    "cock", "pussy", "asshole", "ass", "arse", "arsehole", "bastard", "whore", "slut", "fag",
    "faggot", "nigger", "nigga", "retard", "retarded", "idiot", "moron", "stupid", "damn",
    "crap", "piss", "twat", "wanker", "douche", "dumbass", "jackass", "motherfucker", "hell",
    "sex", "porn", "nude", "naked", "penis", "viagra", "cialis", "casino", "money", "free",
)
_ROOTS_BY_LEN: dict[int, tuple[str, ...]] = {}
for _root in _MASKABLE_ROOTS:
    _ROOTS_BY_LEN.setdefault(len(_root), ())
    _ROOTS_BY_LEN[len(_root)] += (_root,)


# Words that insult a person. Only used for the ``m:insult`` /
# ``m:you_insult`` flags: the words themselves are ordinary features whose
# weights the models learn. ``INSULT_WORDS`` are insults in almost any
# sentence; ``CONTEXT_INSULT_WORDS`` are ordinary words in most sentences
# ("the nazi invasion", "a git repository", "rats in the sewers", "a fat
# budget") and insults only when aimed at someone ("you rat", "you are
# nothing but a liar"), so they raise only ``m:you_insult``.
INSULT_WORDS = frozenset(
    """
    idiot idiots idiotic moron morons moronic stupidest dumbass dumbasses imbecile imbeciles
    cretin cretins retard retards retarded loser losers buffoon buffoons ignoramus halfwit dimwit
    nitwit twit twat twats wanker wankers tosser prick pricks dickhead dickheads jerk jerks asshole
    assholes arsehole arseholes bitch bitches bastard bastards cunt cunts scum scumbag scumbags
    brainless braindead dunce muppet numpty pillock plonker knobhead bellend douche douchebag
    whore slut skank fag faggot dyke libtard libtards crybaby shithead shitheads fuckwit fuckface
    motherfucker fucker fuckers cocksucker stfu gtfo kys dolt simpleton lowlife sicko
    """.split()
)
CONTEXT_INSULT_WORDS = INSULT_WORDS | frozenset(
    """
    stupid dumb dumber dumbest fool fools foolish pathetic clown clowns troll trolls ignorant liar
    liars lying hypocrite hypocrites shill shills bootlicker sheep sheeple brainwashed clueless
    delusional deluded lunatic lunatics psycho psychopath creep creepy freak freaks weirdo pervert
    perverts degenerate disgusting disgrace vile nasty worthless useless hopeless inbred hick
    redneck thick dense dope donkey git tool trash garbage filth filthy vermin parasite parasites
    pig pigs swine rat rats worm snake coward cowards cowardly spineless gutless bigot bigots
    racist racists nazi nazis fascist fascists commie snowflake karen boomer traitor traitors pos
    ugly fat loudmouth blowhard windbag oaf simpleminded ass arse dick dicks hoe hoes
    """.split()
)
SECOND_PERSON = frozenset("you your you're youre yours yourself yourselves ya u ur thou thee yo".split())


@dataclass
class Token:
    norm: str  # normalised form used for features
    surface: str  # the text as written (after HTML unescaping)
    is_word: bool  # True for words (which get char n-grams), False for placeholders


@dataclass
class Extracted:
    tokens: list[Token]
    words: Counter = field(default_factory=Counter)  # "w:..." and "b:..." features
    chars: Counter = field(default_factory=Counter)  # "c:..." features
    meta: list[str] = field(default_factory=list)  # "m:..." features (binary)


def clean(text: str) -> str:
    """Undo HTML, unify Unicode forms, drop invisible characters."""
    text = text or ""
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
    if "<" in text:
        # keep link targets: <a href="http://x">y</a> -> " http://x y"
        text = _TAG_RE.sub(lambda m: f" {m.group(1)} " if m.group(1) else " ", text)
    if "&" in text:
        text = html.unescape(html.unescape(text))
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH_RE.sub("", text)
    return text.replace("’", "'").replace("‘", "'")


def unleet(word: str) -> str:
    """``word`` with leetspeak digits and symbols read as letters ("k1ll" ->
    "kill"), when that leaves only letters; else ``word`` unchanged."""
    if word.isalpha():
        return word
    candidate = word.translate(_LEET)
    return candidate if candidate.replace("'", "").isalpha() else word


def _match_root(candidate: str) -> str | None:
    """Match a masked candidate (``*`` = any letter) against the roots."""
    for root in _ROOTS_BY_LEN.get(len(candidate), ()):
        if all(c == "*" or c == r for c, r in zip(candidate, root)):
            return root
    return None


def _unmask(word: str) -> str:
    """Restore "f*ck", "f**king", "b!tch", "sh1t", "a$$hole", "stuuupid"."""
    if word.isalpha():
        return word
    plain = _SEPARATORS_RE.sub("", word) if any(c in word for c in ".-") else word
    if "*" in plain or not plain.isalpha():
        candidate = plain.translate(_LEET)
        if candidate.isalpha():
            return candidate if candidate in _MASKABLE_SET else word
        if "*" in candidate and candidate.replace("*", "").isalpha():
            root = _match_root(candidate)
            if root:
                return root
            # "jer*k", "dou*che*bag": stars inserted between the letters
            stripped = candidate.replace("*", "")
            if stripped in _MASKABLE_SET or stripped in INSULT_WORDS:
                return stripped
            # "f***ing", "f**ked": try the masked stem against each root prefix
            for suffix in ("ing", "ed", "er", "s", "in"):
                if candidate.endswith(suffix) and len(candidate) > len(suffix) + 2:
                    root = _match_root(candidate[: -len(suffix)])
                    if root:
                        return root + suffix
        return word
    return word


_MASKABLE_SET = frozenset(_MASKABLE_ROOTS)


def tokenize(text: str) -> list[Token]:
    """Split cleaned text into normalised tokens that keep their surface."""
    tokens: list[Token] = []
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        surface = m.group(0)
        if kind == "word":
            low = surface.lower()
            if _ELONGATED_RE.search(low):
                low = _ELONGATED_RE.sub(r"\1\1", low)
                single = _DOUBLED_RE.sub(r"\1", low)
                if single in _MASKABLE_SET:
                    low = single
            if _DIGITS_RE.match(low.replace(",", "").replace(".", "")):
                digits = len(low)
                tokens.append(Token(f"xxnum{min(digits, 6)}", surface, False))
                continue
            norm = _unmask(low)
            if norm.endswith("'s") and len(norm) > 3:
                norm = norm[:-2]
            tokens.append(Token(norm, surface, True))
        elif kind == "url":
            tokens.append(Token("xxurl", surface, False))
        elif kind == "email":
            tokens.append(Token("xxemail", surface, False))
        elif kind == "phone":
            tokens.append(Token("xxphone", surface, False))
        elif kind == "money":
            tokens.append(Token("xxmoney", surface, False))
        elif kind == "mention":
            tokens.append(Token("xxuser", surface, False))
        elif kind == "emoji":
            tokens.append(Token("xxemoji", surface, False))
    # Twitter's "RT @user:" prefix says nothing about the text itself.
    while tokens and tokens[0].norm in ("rt", "xxuser"):
        tokens.pop(0)
    return tokens


def _meta_features(text: str, tokens: list[Token]) -> list[str]:
    feats = []
    norms = [t.norm for t in tokens]
    n_url = norms.count("xxurl")
    if n_url:
        feats.append("m:url")
        if n_url > 1:
            feats.append("m:urls2")
    if "xxemail" in norms:
        feats.append("m:email")
    if "xxphone" in norms:
        feats.append("m:phone")
    if "xxmoney" in norms:
        feats.append("m:money")
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 12:
        upper = sum(1 for c in letters if c.isupper()) / len(letters)
        if upper > 0.7:
            feats.append("m:caps70")
        elif upper > 0.3:
            feats.append("m:caps30")
        non_latin = sum(1 for c in letters if c > "\u024f") / len(letters)
        if non_latin > 0.5:
            feats.append("m:nonlatin")
    if any(n in INSULT_WORDS for n in norms):
        feats.append("m:insult")
    elif any(n in CONTEXT_INSULT_WORDS for n in norms):
        feats.append("m:insult_word")
    for i, n in enumerate(norms):
        if n in CONTEXT_INSULT_WORDS and any(m in SECOND_PERSON for m in norms[max(0, i - 5) : i + 3]):
            feats.append("m:you_insult")
            break
    bangs = text.count("!")
    if bangs >= 3:
        feats.append("m:bang3")
    n = len(tokens)
    feats.append("m:len0" if n < 4 else "m:len1" if n < 15 else "m:len2" if n < 60 else "m:len3")
    return feats


def char_ngrams(word: str) -> list[str]:
    padded = f" {word} "
    grams = []
    length = len(padded)
    for n in range(CHAR_NGRAM_MIN, CHAR_NGRAM_MAX + 1):
        if n > length:
            break
        for i in range(length - n + 1):
            grams.append(padded[i : i + n])
    return grams


def extract(text: str) -> Extracted:
    """Turn one comment into its token list and feature counts."""
    cleaned = clean(text)
    tokens = tokenize(cleaned)
    out = Extracted(tokens=tokens)
    words = out.words
    chars = out.chars
    prev = None
    for tok in tokens:
        norm = tok.norm
        words["w:" + norm] += 1
        if prev is not None:
            words["b:" + prev + " " + norm] += 1
        prev = norm
        if tok.is_word and len(norm) <= MAX_CHAR_TOKEN_LEN:
            for gram in char_ngrams(norm):
                chars["c:" + gram] += 1
    out.meta = _meta_features(cleaned, tokens)
    return out


# Relative weight of each feature block after its own L2 normalisation.
BLOCK_SCALES = {"w": 1.0, "b": 1.0, "c": 1.0, "m": 0.5}
META_FEATURES = (
    "m:url", "m:urls2", "m:email", "m:phone", "m:money", "m:caps70", "m:caps30",
    "m:nonlatin", "m:bang3", "m:insult", "m:insult_word", "m:you_insult", "m:len0", "m:len1", "m:len2", "m:len3",
)


def vectorize(ex: Extracted, index: dict[str, tuple[int, float]]) -> tuple[list[int], list[float]]:
    """Sparse feature vector of one extracted comment as (indices, values).

    ``index`` maps a feature to ``(column, idf)``. ``w:``/``b:`` and ``c:``
    blocks: sublinear tf x idf, each block scaled to unit L2 norm (times its
    ``BLOCK_SCALES`` entry); ``m:`` features are binary (times their scale).
    Features missing from ``index`` are dropped.
    """
    cols: list[int] = []
    vals: list[float] = []
    get = index.get
    for block, scale in ((ex.words, BLOCK_SCALES["w"]), (ex.chars, BLOCK_SCALES["c"])):
        bcols = []
        bvals = []
        for feat, tf in block.items():
            hit = get(feat)
            if hit is not None:
                bcols.append(hit[0])
                bvals.append((1.0 + math.log(tf)) * hit[1] if tf > 1 else hit[1])
        if bcols:
            norm = scale / math.sqrt(sum(v * v for v in bvals))
            cols.extend(bcols)
            vals.extend(v * norm for v in bvals)
    meta_scale = BLOCK_SCALES["m"]
    for feat in ex.meta:
        hit = get(feat)
        if hit is not None:
            cols.append(hit[0])
            vals.append(meta_scale)
    return cols, vals


def token_char_features(token: Token) -> list[str]:
    """The ``c:`` features one token contributed (for explanations)."""
    if token.is_word and len(token.norm) <= MAX_CHAR_TOKEN_LEN:
        return ["c:" + g for g in char_ngrams(token.norm)]
    return []


# --- WordPiece (BERT uncased) tokenisation ----------------------------------
#
# The "static MiniLM" member scores a comment by the word pieces that
# all-MiniLM-L6-v2's tokenizer would produce. This is a plain-Python copy of
# BERT's uncased basic + WordPiece tokenizer (lower-case, strip accents,
# split on punctuation, greedy longest-match-first), so no tokenizer package
# is needed at run time.


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def basic_words(text: str) -> list[str]:
    """BERT's BasicTokenizer (uncased): words and punctuation marks."""
    out = []
    for word in text.lower().split():
        word = unicodedata.normalize("NFD", word)
        word = "".join(c for c in word if unicodedata.category(c) != "Mn")
        buf = []
        for ch in word:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or unicodedata.category(ch) in ("Cc", "Cf"):
                continue
            if _is_punctuation(ch) or _is_cjk(cp):
                if buf:
                    out.append("".join(buf))
                    buf = []
                out.append(ch)
            else:
                buf.append(ch)
        if buf:
            out.append("".join(buf))
    return out


class WordPiece:
    """Greedy longest-match-first WordPiece over a fixed vocabulary."""

    def __init__(self, vocab: list[str], unk: str = "[UNK]", max_chars: int = 100):
        self.vocab = {tok: i for i, tok in enumerate(vocab)}
        self.unk_id = self.vocab.get(unk, 0)
        self.max_chars = max_chars
        self._cache: dict[str, tuple[int, ...]] = {}

    def word_ids(self, word: str) -> tuple[int, ...]:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        ids: list[int] = []
        if len(word) > self.max_chars:
            ids = [self.unk_id]
        else:
            start = 0
            vocab = self.vocab
            while start < len(word):
                end = len(word)
                cur = None
                while start < end:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    cur = vocab.get(piece)
                    if cur is not None:
                        break
                    end -= 1
                if cur is None:
                    ids = [self.unk_id]
                    break
                ids.append(cur)
                start = end
        result = tuple(ids)
        if len(self._cache) < 200_000:
            self._cache[word] = result
        return result

    def words_and_ids(self, text: str) -> list[tuple[str, tuple[int, ...]]]:
        return [(w, self.word_ids(w)) for w in basic_words(text)]
