"""What the detectors know of comments already stored, through an interface.

``detection`` scores text and knows nothing of the ``Comment`` model
(docs/decisions/0009-app-layering.md). The two checks that need history
(near-duplicates and posting rate) and the retraining (editors' decisions
as labels) ask a ``CommentHistory`` instead; ``comments`` registers its
implementation in ``CommentsConfig.ready()``. Without one (scoring a CSV of
text, or detection used on its own) those checks find no history and the
retraining learns from the public data alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class NearCopy:
    comment_id: int
    simhash: int
    article_id: int


@dataclass(frozen=True)
class Label:
    """An editor's decision as a training label for one head."""

    text: str
    head: str  # "spam" or "toxicity"
    label: int  # 1: it is, 0: it is not
    decided_at: datetime


class CommentHistory(Protocol):
    def near_copies(
        self, *, bands: tuple[int, ...], since: datetime, exclude_id: int | None, limit: int
    ) -> list[NearCopy]:
        """Recent comments sharing at least one SimHash band, newest first."""
        ...

    def recent_counts(
        self, *, author_email: str, ip_hash: str, since: datetime, exclude_id: int | None
    ) -> tuple[int, int]:
        """(comments from this address, comments from this IP hash) since then."""
        ...

    def decision_labels(self) -> list[Label]:
        """Editors' latest decisions as labels, oldest first."""
        ...


_history: CommentHistory | None = None


def set_history(history: CommentHistory | None) -> None:
    global _history
    _history = history


def get_history() -> CommentHistory | None:
    return _history
