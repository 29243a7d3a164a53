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


def roc_points(labels: list[int], scores: list[float]) -> tuple[list[float], list[float]]:
    """False- and true-positive rates at every distinct score (for a ROC curve)."""
    positives = sum(labels)
    negatives = len(labels) - positives
    pairs = sorted(zip(scores, labels), reverse=True)
    fpr, tpr = [0.0], [0.0]
    tp = fp = 0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            tp += pairs[j][1]
            fp += 1 - pairs[j][1]
            j += 1
        fpr.append(fp / negatives if negatives else 0.0)
        tpr.append(tp / positives if positives else 0.0)
        i = j
    return fpr, tpr


def reliability(labels: list[int], scores: list[float], bins: int = 10) -> list[tuple[float, float, int]]:
    """(mean score, share labelled 1, rows) per equal-width score bin that has rows."""
    out = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        rows = [(s, y) for s, y in zip(scores, labels) if lo <= s < hi or (b == bins - 1 and s == 1.0)]
        if rows:
            out.append((sum(s for s, _ in rows) / len(rows), sum(y for _, y in rows) / len(rows), len(rows)))
    return out


def write_plots(
    *, directory, head: str, sources: dict[str, tuple[list[int], list[float]]], bands: tuple[float, float]
) -> list:
    """ROC curves per source and a reliability plot for one head, as PNGs.

    ``sources`` maps a source name to its labels and scores. Returns the
    paths written: ``roc-<head>.png`` and ``reliability-<head>.png``.
    Needs matplotlib (a development dependency).
    """
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    fig, ax = plt.subplots(figsize=(6, 5.5), dpi=110)
    for name, (labels, scores) in sources.items():
        auc = roc_auc(labels, scores)
        if auc is None:
            continue
        fpr, tpr = roc_points(labels, scores)
        ax.plot(fpr, tpr, label=f"{name} (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.set(xlabel="false-positive rate", ylabel="true-positive rate", title=f"{head}: ROC per source", xlim=(0, 1), ylim=(0, 1.01))
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path = directory / f"roc-{head}.png"
    fig.savefig(path)
    plt.close(fig)
    written.append(path)

    fig, (ax, hist) = plt.subplots(2, 1, figsize=(6, 7), dpi=110, gridspec_kw={"height_ratios": [3, 1]}, sharex=True)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1, label="perfectly calibrated")
    for name, (labels, scores) in sources.items():
        points = reliability(labels, scores)
        if points and 0 < sum(labels) < len(labels):
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=3, label=name)
        hist.hist(scores, bins=20, range=(0, 1), histtype="step", label=name)
    for band in bands:
        ax.axvline(band, color="black", linewidth=0.8, linestyle="--")
        hist.axvline(band, color="black", linewidth=0.8, linestyle="--")
    ax.set(ylabel="share labelled 1", title=f"{head}: reliability (bands at {bands[0]} / {bands[1]})", ylim=(0, 1.01))
    ax.legend(loc="upper left", fontsize=8)
    hist.set(xlabel=f"{head} score", ylabel="rows", yscale="log")
    fig.tight_layout()
    path = directory / f"reliability-{head}.png"
    fig.savefig(path)
    plt.close(fig)
    written.append(path)
    return written
