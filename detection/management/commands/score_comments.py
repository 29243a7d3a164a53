"""Score a CSV of comments: `manage.py score_comments FILE > scored.csv`."""

import csv
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from detection.scoring import ScoringInputError, database_problem, read_csv, score_text


class Command(BaseCommand):
    help = (
        "Score FILE, a CSV with a `text` column, with the same checks as the "
        "moderation task (without per-commenter history). Writes the input "
        "columns plus spam_score,toxicity_score to stdout, one row per input row."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file with a `text` column; - for stdin")

    def handle(self, *args, file, **options):
        _require_database()
        raw = sys.stdin.buffer.read() if file == "-" else _read(file)
        try:
            columns, rows = read_csv(raw)
        except ScoringInputError as exc:
            raise CommandError(f"{file}: {exc}")
        out_columns = [c for c in columns if c not in ("spam_score", "toxicity_score")]
        writer = csv.DictWriter(
            self.stdout, fieldnames=[*out_columns, "spam_score", "toxicity_score"],
            extrasaction="ignore", lineterminator="\n",
        )
        writer.writeheader()
        for row in rows:
            spam, toxicity = score_text(row["text"])
            writer.writerow({**row, "spam_score": f"{spam:.4f}", "toxicity_score": f"{toxicity:.4f}"})


def _require_database() -> None:
    """Stop with one line when the checks cannot read their lists and versions."""
    problem = database_problem()
    if problem:
        raise CommandError(problem)


def _read(file: str) -> bytes:
    try:
        return Path(file).read_bytes()
    except OSError as exc:
        raise CommandError(f"{file}: cannot read ({exc.strerror})")
