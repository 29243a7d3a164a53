"""Measure the detectors on a labelled CSV."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from detection.management.commands.score_comments import _read, _require_database
from detection.scoring import ScoringInputError, confusion, read_csv, roc_auc, score_text

HEADS = ("spam", "toxicity")


def _fmt(value):
    return "n/a" if value is None else f"{value:.3f}"


class Command(BaseCommand):
    help = (
        "Score FILE (CSV with `text` and a 0/1 label column) and print ROC-AUC, "
        "precision and recall at the configured thresholds, and the confusion table."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--label-column", default="label")
        parser.add_argument("--head", choices=[*HEADS, "both"], default="both",
                            help="Which score to measure against the label.")

    def handle(self, *args, file, label_column, head, **options):
        _require_database()
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
        scores = [score_text(row["text"]) for row in rows]
        self.stdout.write(f"{len(rows)} rows, {sum(labels)} labelled 1 ({label_column})")
        for index, name in enumerate(HEADS):
            if head not in (name, "both"):
                continue
            head_scores = [s[index] for s in scores]
            self.stdout.write(f"\n{name}: ROC-AUC {_fmt(roc_auc(labels, head_scores))}")
            self.stdout.write("  threshold  precision  recall     TP     FP     FN     TN")
            low, high = settings.MODERATION_THRESHOLDS[name]
            for threshold in (low, high):
                c = confusion(labels, head_scores, threshold)
                self.stdout.write(
                    f"  {threshold:9.2f}  {_fmt(c.precision):>9}  {_fmt(c.recall):>6} "
                    f"{c.tp:6d} {c.fp:6d} {c.fn:6d} {c.tn:6d}"
                )
