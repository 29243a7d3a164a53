"""Scoring text outside the moderation flow: CSV files and evaluation.

Uses the same checkers as the Celery task (``run_checks``), without the
ones that read other comments (duplicates, posting rate).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from detection.classifiers.base import CommentSample
from detection.classifiers.pipeline import run_checks


class ScoringInputError(ValueError):
    """The input file cannot be scored; the message says why."""


def read_csv(raw: bytes, *, required: tuple[str, ...] = ("text",)) -> tuple[list[str], list[dict]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScoringInputError(
            f"the file is not UTF-8 text (bad byte at position {exc.start})"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = reader.fieldnames or []
    missing = [c for c in required if c not in columns]
    if missing:
        found = ", ".join(columns) if columns else "none"
        raise ScoringInputError(f"no {missing[0]!r} column (columns found: {found})")
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ScoringInputError(f"malformed CSV at line {reader.line_num}: {exc}") from None
    return columns, rows


def database_problem() -> str | None:
    """Why the checks cannot read the lists and versions they need from the
    database (not migrated, unreachable), or None."""
    from django.db import DatabaseError, transaction

    from detection.models import DetectorVersion, DomainRule, Term

    try:
        with transaction.atomic():  # a failed query must not poison the caller's transaction
            for model in (DomainRule, Term, DetectorVersion):
                model.objects.exists()
    except DatabaseError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"the database is not ready ({first_line}); run manage.py migrate"
    return None


def score_text(text: str) -> tuple[float, float]:
    result = run_checks(CommentSample(body=text or ""), history=False)
    return result.spam, result.toxicity


def roc_auc(labels: list[int], scores: list[float]) -> float | None:
    """Area under the ROC curve (Mann-Whitney U with ties counted half)."""
    pairs = sorted(zip(scores, labels))
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return None
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        mid_rank = (i + 1 + j) / 2  # ranks are 1-based
        rank_sum += mid_rank * sum(label for _, label in pairs[i:j])
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


@dataclass
class Confusion:
    threshold: float
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def confusion(labels: list[int], scores: list[float], threshold: float) -> Confusion:
    tp = fp = fn = tn = 0
    for label, score in zip(labels, scores):
        flagged = score >= threshold
        if flagged and label:
            tp += 1
        elif flagged:
            fp += 1
        elif label:
            fn += 1
        else:
            tn += 1
    return Confusion(threshold, tp, fp, fn, tn)
