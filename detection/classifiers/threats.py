"""Threats and wishes of violence aimed at someone.

The trained model ranks abuse by its words; a threat is often made of plain
ones ("I know where you live", "someone should pay him a visit"), so these
patterns catch the common forms explicitly and say which words matched.
They run on the model's normalised tokens (``features.tokenize``), so
masking and leetspeak ("k1ll y0u") do not hide them.

Toxicity only ever holds a comment for review, so a false match costs an
editor a glance; the patterns still insist on a target ("you", "him",
"her", a family member) to leave sport ("we'll kill them on Saturday"),
idiom ("that joke killed me") and crime reporting ("the gunman shot three
people") alone.
"""

from __future__ import annotations

import re

from detection.classifiers import features as F
from detection.classifiers.base import CheckResult, CommentSample, Reason

SCORE = 0.9

_TARGET = r"(?:you|ya|u|him|her|you all|y'all|yourself|them all|every one of them|the lot of them)"
_PERSON = r"(?:you|u|he|she|they|him|her|ya)"
_HARM = (
    r"(?:kill(?:ed)?|shoot|shot|stab(?:bed)?|hang(?:ed)?|hung|burn(?:ed|t)?|strangle(?:d)?|beat(?:en)?|"
    r"slit|gut(?:ted)?|hurt|rape(?:d)?|murder(?:ed)?|bury|buried|lynch(?:ed)?|execute(?:d)?|run over|"
    r"hunt(?:ed)? down|behead(?:ed)?|torture(?:d)?|smash|break)"
)
_WILL = r"(?:i'll|i will|i'm going to|i'm gonna|im gonna|i am going to|i am gonna|we'll|we will|we're going to|we're gonna|gonna|going to)"
_DEATH = (
    r"(?:die|dies|died|rot|burn|choke|hang|drown|get shot|gets shot|be shot|get killed|gets killed|be killed|"
    r"get cancer|gets cancer|get raped|gets raped|be raped|be hanged|be executed|be lynched|get stabbed|gets stabbed|"
    r"be stabbed|suffer|dies slowly|die slowly|get what's coming|gets what's coming)"
)

_HURT_WORDS = (
    r"(?:die|dies|died|dead|death|bleed|bleeds|bleeding|shot|stabbed|beaten|killed|murdered|hanged|lynched|"
    r"raped|jumped|butchered|torn apart|set alight|set on fire|burned alive|burnt alive|coffin|body bag|"
    r"never wakes? up|bleed out|hit by a (?:car|bus|train|truck|lorry)|run over|kneecapped|curb stomped)"
)
_OBJ = r"(?:you|u|ya|him|her|ur|your|his|their|yourself|urself|that \w+|this \w+|the \w+)"

PATTERNS = [
    # "I'll kill you", "we're going to find you and hurt you", "ill cut ur throat"
    re.compile(rf"\b(?:{_WILL}|i'd|i would|i wanna|i want to|i'll happily|i'd happily|ill)(?: \w+){{0,3}} "
               rf"(?:{_HARM}|end|cut|slap|punch|knock|bleed) {_OBJ}\b"),
    # "hope you die", "hope the author gets beaten half to death", "I pray he ends up in a coffin"
    re.compile(rf"\b(?:hope|hoping|wish|pray|praying)(?: \w+){{0,7}} {_HURT_WORDS}\b"),
    re.compile(rf"\b(?:hope|hoping|wish|pray|praying)(?: that)? {_PERSON}(?: all| both)?(?: \w+)? {_DEATH}\b"),
    # "you deserve to die", "he should be shot", "they should be hunted down and shot"
    re.compile(
        r"\b(?:should|ought to|needs? to|deserves? to|must) be (?:\w+ ){0,3}"
        r"(?:shot|hanged|hung|killed|executed|lynched|stabbed|burned|burnt|put down|strung up|beaten|"
        r"hunted down|dragged|torn apart|set alight|set on fire|castrated|gassed)\b"
    ),
    re.compile(rf"\b{_PERSON}(?: all)? (?:deserves?|should|ought to|needs? to) (?:die|hang|burn|rot)\b"),
    re.compile(r"\b(?:deserves?|needs?|wants?) (?:a bullet|a knife|a kicking|a beating|putting down|his kneecaps doing|her kneecaps doing)\b"),
    re.compile(r"\bkill (?:every|all|each)(?: last| single)?(?: one)?(?: of)? (?:them|those|the|these)\b"),
    # "someone should shoot him", "somebody needs to put her in the ground"
    re.compile(
        rf"\b(?:someone|somebody|anyone|anybody|one of us|people) (?:should|needs? to|ought to|has to|must|oughta)"
        rf"(?: \w+){{0,2}} (?:{_HARM}|take out|put (?:him|her|them|you) in the ground|pay (?:him|her|them|you) a visit|"
        rf"teach (?:him|her|them|you) a lesson|sort (?:him|her|them|you) out)\b"
    ),
    # "I know where you live", "we know where your kids go to school"
    re.compile(
        r"\b(?:i|we) know where (?:you|u|he|she|they|your|his|her|their)(?: \w+){0,2} "
        r"(?:live|lives|work|works|sleep|sleeps|go|goes|park|parks|school)\b"
    ),
    # "watch your back", "be a shame if something happened to your car"
    re.compile(r"\b(?:watch your back|sleep with one eye open|your days are numbered|you've been warned|you have been warned|your name's on the list)\b"),
    re.compile(r"\bshame if (?:something|anything) (?:happened|were to happen|was to happen) to\b"),
    # "kys", "kill yourself", "hang yourself", "step in front of a train"
    re.compile(r"\b(?:kys|go die|drink bleach|(?:kill|hang|neck|off|end|top|shoot|drown) (?:yourself|urself|yourselves))\b"),
    re.compile(r"\b(?:step|jump|throw yourself|walk) (?:in front of|off) (?:a|the) (?:\w+ ){0,2}(?:train|bus|bridge|lorry|truck|\d+:\d+)\b"),
    re.compile(rf"\bput (?:a bullet|one|two|a knife|a blade) (?:in|into|through) {_TARGET}\b"),
    re.compile(r"\b(?:line|lined) (?:them|em|'em|you|the lot) up (?:against|on) (?:a|the) wall\b"),
    re.compile(r"\bstring (?:him|her|them|you|'em|em) up\b"),
    re.compile(r"\bdrive (?:straight |right )?(?:through|into) (?:them|the crowd|the protesters|it)\b"),
]


def _normalised(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The comment's word tokens joined by spaces, with each token's offsets
    in that string and its surface text."""
    parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    for tok in F.tokenize(F.clean(text)):
        if not tok.is_word:
            continue
        word = F.unleet(tok.norm)
        spans.append((pos, pos + len(word), tok.surface))
        parts.append(word)
        pos += len(word) + 1
    return " ".join(parts), spans


def find_threats(text: str) -> list[tuple[str, ...]]:
    """The words (as written) of each threatening phrase in ``text``."""
    joined, spans = _normalised(text)
    found = []
    for pattern in PATTERNS:
        for m in pattern.finditer(joined):
            words = tuple(s for start, end, s in spans if start < m.end() and end > m.start())
            if words and words not in found:
                found.append(words)
    return found


class ThreatChecker:
    name = "threats"

    def check(self, sample: CommentSample) -> CheckResult:
        found = find_threats(sample.body)
        if not found:
            return CheckResult()
        reasons = tuple(
            Reason(self.name, "toxicity", f"Threat or wish of violence: \u201c{' '.join(words)}\u201d", words)
            for words in found[:3]
        )
        return CheckResult(toxicity=SCORE, reasons=reasons)
