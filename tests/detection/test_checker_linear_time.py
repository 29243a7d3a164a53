"""Every regular expression the checkers run is linear in the text.

A crafted body ("ab." * 1666 + "xx") once cost seconds of worker CPU in
back-tracking regexes (issue #15). These tests run the real checkers on
crafted bodies of two sizes, record every regex search they make, and
replay each in a step-counting model of the back-tracking engine
(tests/regex_steps.py): doubling the text must about double the steps, and
no search may take more than a fixed number of steps per character. No
clocks: the counts are exact and the same on every machine.
"""

from __future__ import annotations

import re
import types
from unittest import mock

from detection.classifiers import features, links, lures, model, shouting, terms, text, threats
from detection.classifiers.base import CommentSample
from detection.classifiers.pipeline import run_checks
from tests.base import BaseTestCase
from tests.regex_steps import OverBudget, spans, steps

MODULES = (features, links, lures, model, shouting, terms, text, threats)
METHODS = ("search", "match", "fullmatch", "findall", "finditer", "sub", "subn", "split")
# The linear reference: a search may take at most this many steps per
# character of the text it scans (plus a constant).
STEPS_PER_CHAR = 400

CRAFTED = {
    "dotted labels": lambda k: "ab." * k + "xx",
    "hyphenated run": lambda k: "a-" * k,
    "spaced letters": lambda k: "a " * k + "aa",
    "digits and commas": lambda k: "1," * k,
    "unclosed tags": lambda k: "<a " * k,
    "dots": lambda k: "a." * k,
    "brackets": lambda k: "ab ( " * k,
    "e-mail like": lambda k: "a.b+" * k + "@",
}


class _Recorder:
    """A compiled pattern that notes the text of every search it runs."""

    def __init__(self, pattern: re.Pattern, calls: list):
        self._pattern, self._calls = pattern, calls

    def __getattr__(self, name):
        real = getattr(self._pattern, name)
        if name not in METHODS:
            return real

        def call(*args, **kwargs):
            string = args[1] if name in ("sub", "subn") else args[0]
            self._calls.append((self._pattern, name, string))
            return real(*args, **kwargs)

        return call


def _recording_re(calls: list) -> types.SimpleNamespace:
    """The ``re`` module as a checker module sees it, recording searches."""
    shim = types.SimpleNamespace(**vars(re))
    shim.compile = lambda p, flags=0: _Recorder(re.compile(p, flags), calls)
    for name in METHODS:
        def function(pattern, *args, _name=name, **kwargs):
            flags = kwargs.pop("flags", 0)
            return getattr(shim.compile(pattern, flags), _name)(*args, **kwargs)
        setattr(shim, name, function)
    return shim


def record_searches(body: str) -> list[tuple[re.Pattern, str, str]]:
    """Run every local checker on ``body``; return each regex search made."""
    calls: list = []
    patches = []
    for module in MODULES:
        if getattr(module, "re", None) is re:
            patches.append(mock.patch.object(module, "re", _recording_re(calls)))
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                patches.append(mock.patch.object(module, name, _Recorder(value, calls)))
            elif isinstance(value, list) and value and all(isinstance(v, re.Pattern) for v in value):
                patches.append(mock.patch.object(module, name, [_Recorder(v, calls) for v in value]))
    for patch in patches:
        patch.start()
    try:
        run_checks(CommentSample(body=body, author_name="Reader"), history=False)
    finally:
        for patch in reversed(patches):
            patch.stop()
    return calls


def steps_by_pattern(body: str) -> dict[str, tuple[int, int]]:
    """Per pattern: (steps of its searches, characters they scanned)."""
    totals: dict[str, tuple[int, int]] = {}
    for pattern, method, string in record_searches(body):
        budget = STEPS_PER_CHAR * len(string) + 2000
        try:
            count = steps(pattern, method, string, budget=budget)
        except OverBudget:
            count = budget + 1
        done, chars = totals.get(pattern.pattern, (0, 0))
        totals[pattern.pattern] = (done + count, chars + len(string))
    return totals


class CheckerLinearTimeTests(BaseTestCase):
    def test_the_step_model_finds_what_re_finds(self):
        body = (
            "Visit example.com/buy or www.spam.net, e x a m p l e . c o m, site [dot] com; "
            "call +44 20 7946 0958, earn $500 per day. I'll kill you. f*ck <a href='http://x.io'>y</a> "
            "soooo goooood @bob me@x.org £5k ab.ab.ab.xx a-a-a-"
        )
        calls = record_searches(body)
        self.assertGreater(len({p.pattern for p, _, _ in calls}), 20)
        for pattern, method, string in calls:
            if method in ("findall", "finditer", "sub", "subn", "split"):
                self.assertEqual(
                    spans(pattern, string)[0], [m.span() for m in pattern.finditer(string)], pattern.pattern
                )

    def test_crafted_bodies_cost_linear_steps(self):
        for name, make in CRAFTED.items():
            with self.subTest(name):
                small, large = make(200), make(400)
                # The bodies are real: every checker sees all of them.
                self.assertLess(len(large), 2100)
                at_n, at_2n = steps_by_pattern(small), steps_by_pattern(large)
                for pattern, (count, chars) in at_2n.items():
                    limit = STEPS_PER_CHAR * chars + 2000
                    self.assertLessEqual(count, limit, f"{name}: {pattern[:80]} is not linear: "
                                         f"{count} steps for {chars} characters")
                    before = at_n.get(pattern, (0, 0))[0]
                    # Twice the text, about twice the work (a quadratic search: four times).
                    self.assertLessEqual(count, 2.3 * before + 2000, f"{name}: {pattern[:80]} grows "
                                         f"from {before} to {count} steps when the text doubles")
