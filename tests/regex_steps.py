"""Count the steps a backtracking regex engine takes, deterministically.

Python's ``re`` cannot report how much work a search did, and timing it
is not a test. This module re-runs a search in a small backtracking
matcher built on ``re``'s own parser: it tries the same alternatives in
the same order as ``re`` (greedy and lazy repeats, branches, look-around,
back-references) and counts one step per node tried and per character a
repeat consumes. The count grows the way ``re``'s work grows: linearly for
a linear pattern, quadratically when every start position rescans the
rest of the text. Its matches are checked against ``re``'s own
(``spans``), so the model cannot drift from the real engine unnoticed.

Only the constructs the checkers use are modelled; anything else raises
``NotImplementedError`` rather than guessing.
"""

from __future__ import annotations

import re
import sys
from re import _constants as C
from re import _parser

SINGLE = {C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN}


class OverBudget(Exception):
    """The search took more steps than the caller allowed."""


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class _Matcher:
    def __init__(self, pattern: re.Pattern, text: str, budget: int):
        self.text = text
        self.n = len(text)
        self.ignore_case = bool(pattern.flags & re.IGNORECASE)
        self.dotall = bool(pattern.flags & re.DOTALL)
        self.multiline = bool(pattern.flags & re.MULTILINE)
        self.tree = _parser.parse(pattern.pattern, pattern.flags)
        self.groups: dict[int, tuple[int, int]] = {}
        self.steps = 0
        self.budget = budget

    def tick(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > self.budget:
            raise OverBudget

    # --- single characters -------------------------------------------------
    def _variants(self, ch: str) -> tuple[str, ...]:
        if not self.ignore_case:
            return (ch,)
        return (ch, ch.lower(), ch.upper())

    def _in_set(self, items, ch: str) -> bool:
        negate = False
        hit = False
        for op, av in items:
            if op is C.NEGATE:
                negate = True
            elif op is C.LITERAL:
                hit = hit or any(ord(v) == av for v in self._variants(ch))
            elif op is C.RANGE:
                hit = hit or any(av[0] <= ord(v) <= av[1] for v in self._variants(ch) if len(v) == 1)
            elif op is C.CATEGORY:
                hit = hit or self._category(av, ch)
            else:
                raise NotImplementedError(op)
        return hit != negate

    @staticmethod
    def _category(code, ch: str) -> bool:
        if code is C.CATEGORY_DIGIT:
            return ch.isdecimal()
        if code is C.CATEGORY_NOT_DIGIT:
            return not ch.isdecimal()
        if code is C.CATEGORY_SPACE:
            return ch.isspace()
        if code is C.CATEGORY_NOT_SPACE:
            return not ch.isspace()
        if code is C.CATEGORY_WORD:
            return _is_word(ch)
        if code is C.CATEGORY_NOT_WORD:
            return not _is_word(ch)
        raise NotImplementedError(code)

    def _char_ok(self, op, av, pos: int) -> bool:
        if pos >= self.n:
            return False
        ch = self.text[pos]
        if op is C.LITERAL:
            return any(ord(v) == av for v in self._variants(ch))
        if op is C.NOT_LITERAL:
            return not any(ord(v) == av for v in self._variants(ch))
        if op is C.ANY:
            return self.dotall or ch != "\n"
        return self._in_set(av, ch)

    def _at(self, code, pos: int) -> bool:
        s, n = self.text, self.n
        if code is C.AT_BOUNDARY or code is C.AT_NON_BOUNDARY:
            before = pos > 0 and _is_word(s[pos - 1])
            after = pos < n and _is_word(s[pos])
            return (before != after) == (code is C.AT_BOUNDARY)
        if code is C.AT_BEGINNING:
            return pos == 0 or (self.multiline and s[pos - 1] == "\n")
        if code is C.AT_BEGINNING_STRING:
            return pos == 0
        if code is C.AT_END:
            if self.multiline:
                return pos == n or s[pos] == "\n"
            return pos == n or (pos == n - 1 and s[pos] == "\n")
        if code is C.AT_END_STRING:
            return pos == n
        raise NotImplementedError(code)

    # --- sequences, in continuation-passing style ---------------------------
    def seq(self, items, i: int, pos: int, k):
        while True:
            self.tick()
            if i == len(items):
                return k(pos)
            op, av = items[i]
            if op in SINGLE:
                if not self._char_ok(op, av, pos):
                    return None
                i, pos = i + 1, pos + 1
                continue
            if op is C.AT:
                if not self._at(av, pos):
                    return None
                i += 1
                continue
            break
        rest = lambda p: self.seq(items, i + 1, p, k)  # noqa: E731
        if op is C.SUBPATTERN:
            group, _add, _del, sub = av
            def close(end, start=pos):
                saved = self.groups.get(group)
                if group is not None:
                    self.groups[group] = (start, end)
                result = rest(end)
                if result is None and group is not None:
                    if saved is None:
                        self.groups.pop(group, None)
                    else:
                        self.groups[group] = saved
                return result
            return self.seq(sub.data, 0, pos, close)
        if op is C.BRANCH:
            for alternative in av[1]:
                result = self.seq(alternative.data, 0, pos, rest)
                if result is not None:
                    return result
            return None
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            return self._repeat(op, av, pos, rest)
        if op is C.GROUPREF:
            if av not in self.groups:
                return None
            start, end = self.groups[av]
            width = end - start
            self.tick(width)
            piece = self.text[pos:pos + width]
            wanted = self.text[start:end]
            if piece != wanted and not (self.ignore_case and piece.lower() == wanted.lower()):
                return None
            return rest(pos + width)
        if op in (C.ASSERT, C.ASSERT_NOT):
            direction, sub = av
            if direction == 1:
                found = self.seq(sub.data, 0, pos, lambda e: e) is not None
            else:
                width = sub.getwidth()[0]
                found = pos - width >= 0 and self.seq(
                    sub.data, 0, pos - width, lambda e: e if e == pos else None
                ) is not None
            if found != (op is C.ASSERT):
                return None
            return rest(pos)
        if op is C.ATOMIC_GROUP:
            end = self.seq(av.data, 0, pos, lambda e: e)
            return None if end is None else rest(end)
        raise NotImplementedError(op)

    def _repeat(self, op, av, pos: int, rest):
        low, high, item = av
        if len(item.data) == 1 and item.data[0][0] in SINGLE:
            # One character a time, as re's REPEAT_ONE: consume, then give back.
            sub_op, sub_av = item.data[0]
            count = 0
            if op is C.MIN_REPEAT:
                while count < low:
                    self.tick()
                    if not self._char_ok(sub_op, sub_av, pos + count):
                        return None
                    count += 1
                while True:
                    self.tick()
                    result = rest(pos + count)
                    if result is not None or count >= high:
                        return result
                    if not self._char_ok(sub_op, sub_av, pos + count):
                        return None
                    count += 1
            while count < high and self._char_ok(sub_op, sub_av, pos + count):
                self.tick()
                count += 1
            if count < low:
                return None
            if op is C.POSSESSIVE_REPEAT:
                return rest(pos + count)
            while count >= low:
                self.tick()
                result = rest(pos + count)
                if result is not None:
                    return result
                count -= 1
            return None
        if op is C.POSSESSIVE_REPEAT:
            raise NotImplementedError("possessive repeat of a group")
        greedy = op is C.MAX_REPEAT

        def again(count: int, start: int):
            self.tick()
            def more():
                if count >= high:
                    return None
                return self.seq(
                    item.data, 0, start,
                    lambda e: None if (e == start and count >= low) else again(count + 1, e),
                )
            def stop():
                return rest(start) if count >= low else None
            first, second = (more, stop) if greedy else (stop, more)
            result = first()
            return result if result is not None else second()

        return again(0, pos)

    def match_at(self, start: int, full: bool = False):
        self.groups = {}
        want = (lambda e: e if e == self.n else None) if full else (lambda e: e)
        return self.seq(self.tree.data, 0, start, want)


def spans(pattern: re.Pattern, text: str, *, budget: int = 10**9, first_only: bool = False,
          anchored: bool = False, full: bool = False) -> tuple[list[tuple[int, int]], int]:
    """The non-overlapping matches a search for ``pattern`` finds in ``text``
    (as ``re.finditer`` would), and the steps it took."""
    matcher = _Matcher(pattern, text, budget)
    found: list[tuple[int, int]] = []
    pos = 0
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 200_000))
    try:
        while pos <= matcher.n:
            starts = [pos] if (anchored or full) else range(pos, matcher.n + 1)
            for start in starts:
                end = matcher.match_at(start, full=full)
                if end is not None:
                    break
            else:
                break
            found.append((start, end))
            if first_only or anchored or full:
                break
            pos = end if end > start else end + 1
    finally:
        sys.setrecursionlimit(limit)
    return found, matcher.steps


def steps(pattern: re.Pattern, method: str, text: str, *, budget: int = 10**9) -> int:
    """Steps ``pattern.<method>(text)`` takes (search, match, finditer...)."""
    kind = {"search": {"first_only": True}, "match": {"anchored": True}, "fullmatch": {"full": True}}
    return spans(pattern, text, budget=budget, **kind.get(method, {}))[1]
