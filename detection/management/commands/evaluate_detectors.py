"""Measure the detectors on labelled CSV files."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from detection.management.commands.score_comments import _read, _require_database
from detection.scoring import ScoringInputError, confusion, read_csv, roc_auc, score_text, write_plots

HEADS = ("spam", "toxicity")


def _fmt(value):
    return "n/a" if value is None else f"{value:.3f}"


def _source_name(file: str) -> str:
    """``.../fox_news_comments/test.csv`` -> ``fox_news_comments``; else the file name."""
    path = Path(file)
    return path.parent.name if path.stem in ("test", "train") and path.parent.name else path.stem


class Command(BaseCommand):
    help = (
        "Score FILE... (CSVs with `text` and a 0/1 label column) and print, per file, ROC-AUC, "
        "precision and recall at the configured thresholds, and the confusion table. "
        "With --plot DIR also write ROC curves per file and a reliability plot per head (PNG)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="+")
        parser.add_argument("--label-column", default="label")
        parser.add_argument("--head", choices=[*HEADS, "both"], default="both",
                            help="Which score to measure against the label.")
        parser.add_argument("--plot", metavar="DIR", default=None,
                            help="write roc-<head>.png and reliability-<head>.png to DIR (needs matplotlib)")

    def handle(self, *args, file, label_column, head, plot, **options):
        _require_database()
        if plot:
            try:
                import matplotlib  # noqa: F401
            except ImportError:
                raise CommandError("--plot needs matplotlib (pip install -r requirements-dev.txt)")
        loaded = [(name, *self._load(name, label_column)) for name in file]
        sources: dict[str, dict[str, tuple[list[int], list[float]]]] = {h: {} for h in HEADS}
        for name, labels, texts in loaded:
            scores = [score_text(text) for text in texts]
            if len(loaded) > 1:
                self.stdout.write(f"\n== {name}")
            self.stdout.write(f"{len(texts)} rows, {sum(labels)} labelled 1 ({label_column})")
            for index, head_name in enumerate(HEADS):
                if head not in (head_name, "both"):
                    continue
                head_scores = [s[index] for s in scores]
                sources[head_name][_source_name(name)] = (labels, head_scores)
                self._report(head_name, labels, head_scores)
        if plot:
            for head_name, by_source in sources.items():
                if by_source:
                    for path in write_plots(directory=plot, head=head_name, sources=by_source,
                                            bands=settings.MODERATION_THRESHOLDS[head_name]):
                        self.stdout.write(f"wrote {path}")

    def _load(self, file: str, label_column: str) -> tuple[list[int], list[str]]:
        try:
            _columns, rows = read_csv(_read(file), required=("text", label_column))
        except ScoringInputError as exc:
            raise CommandError(f"{file}: {exc}")
        labels = []
        for line, row in enumerate(rows, start=2):
            value = (row[label_column] or "").strip()
            if value not in ("0", "1"):
                raise CommandError(
                    f"{file}: line {line}: label {value!r} in {label_column!r} is not 0 or 1"
                )
            labels.append(int(value))
        if not rows:
            raise CommandError(f"{file}: no rows to evaluate")
        return labels, [row["text"] for row in rows]

    def _report(self, name: str, labels: list[int], head_scores: list[float]) -> None:
        self.stdout.write(f"\n{name}: ROC-AUC {_fmt(roc_auc(labels, head_scores))}")
        self.stdout.write("  threshold  precision  recall     TP     FP     FN     TN")
        low, high = settings.MODERATION_THRESHOLDS[name]
        for threshold in (low, high):
            c = confusion(labels, head_scores, threshold)
            self.stdout.write(
                f"  {threshold:9.2f}  {_fmt(c.precision):>9}  {_fmt(c.recall):>6} "
                f"{c.tp:6d} {c.fp:6d} {c.fn:6d} {c.tn:6d}"
            )
