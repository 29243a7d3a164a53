"""The interface every comment checker implements.

A checker looks at one comment and returns a ``CheckResult``: a spam score
and a toxicity score, each in [0, 1], and the reasons an editor can read.
One module per checker; ``detection.classifiers.pipeline`` runs them all and
combines their results.

Checkers that call something outside the process (a hosted service) raise
``TransientCheckError`` for failures worth retrying (time-outs, 5xx) and
``PermanentCheckError`` for the rest, as healthchecks' transports do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class CommentSample:
    """What a checker sees of a comment: plain values, no ORM objects."""

    body: str
    author_name: str = ""
    author_email: str = ""
    article_id: int | None = None
    comment_id: int | None = None
    ip_hash: str = ""
    # What the web form saw (honeypot, seconds to submit); empty for the API.
    signals: dict = field(default_factory=dict)
    user_agent: str = ""


@dataclass(frozen=True)
class Reason:
    """One human-readable reason, with the spans of text that drove it."""

    checker: str
    head: str  # "spam" or "toxicity"
    message: str
    spans: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {
            "checker": self.checker,
            "head": self.head,
            "message": self.message,
            "spans": list(self.spans),
        }


@dataclass(frozen=True)
class CheckResult:
    spam: float = 0.0
    toxicity: float = 0.0
    reasons: tuple[Reason, ...] = field(default_factory=tuple)
    # How much of ``spam`` is evidence specific to spam (a lure, a blocked
    # domain, a link shortener, a copy, a posting rate, the model). ``None``:
    # all of it. The rest is circumstantial: common in legitimate news
    # comments too (a link to an unfamiliar domain, repeated characters), so
    # it may raise a comment to review but never into the spam folder on its
    # own (see ``pipeline.combine``).
    spam_specific: float | None = None
    # Names of optional hosted checkers that could not answer. Their
    # comments are held for an editor whatever the other scores say.
    unavailable: tuple[str, ...] = field(default_factory=tuple)


class Checker(Protocol):
    name: str

    def check(self, sample: CommentSample) -> CheckResult: ...


class CheckError(Exception):
    """A checker could not produce a result."""


class TransientCheckError(CheckError):
    """Worth retrying: a time-out, a connection error, a 5xx."""


class PermanentCheckError(CheckError):
    """Not worth retrying: bad credentials, a 4xx, a malformed answer."""
