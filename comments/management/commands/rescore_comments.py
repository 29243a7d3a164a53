"""Check waiting comments again with the live detector version:
`manage.py rescore_comments --status review,spam --since DAYS`."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from comments.services import RESCORABLE, RescoreReport, comment_rescore

BAR_WIDTH = 30


def parse_statuses(value: str) -> list[str]:
    """``review,spam`` -> ["review", "spam"]; a clear error for anything else."""
    statuses = [part.strip().lower() for part in value.split(",") if part.strip()]
    if not statuses:
        raise CommandError(f"--status needs at least one of: {', '.join(RESCORABLE)}.")
    for status in statuses:
        if status not in RESCORABLE:
            raise CommandError(
                f"Cannot rescore status {status!r}: only comments still waiting for an "
                f"editor are rescored; --status takes {', '.join(RESCORABLE)} "
                f"(comma-separated)."
            )
    return list(dict.fromkeys(statuses))


def progress_line(report: RescoreReport) -> str:
    """``[#######-----------------------]  200/850  23%  moved 3``"""
    total = max(report.total, report.scored, 1)
    filled = BAR_WIDTH * report.scored // total
    return (
        f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] "
        f"{report.scored}/{report.total} {100 * report.scored // total:3d}%  "
        f"{'would move' if report.dry_run else 'moved'} {len(report.moved)}"
    )


class Command(BaseCommand):
    help = (
        "Run the checks again, with the live detector version, on comments waiting "
        "in review or spam, and move those the checks put there when the new scores "
        "route them elsewhere (spam -> review below the spam high band, review -> spam "
        "at or above it). A comment an editor decided keeps its status; nothing is "
        "published. Progress goes to stderr, the summary to stdout."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--status", default=",".join(RESCORABLE),
            help=f"Comma-separated statuses to rescore, among {', '.join(RESCORABLE)} "
            f"(default: {','.join(RESCORABLE)}).",
        )
        parser.add_argument(
            "--since", type=int, required=True, metavar="DAYS",
            help="Only comments posted in the last DAYS days (at least 1).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=200, metavar="N",
            help="Comments read per query (default 200).",
        )
        parser.add_argument(
            "--dry-run", action="store_true",
            help="Score and print what would move; write nothing.",
        )

    def handle(self, *args, status, since, batch_size, dry_run, **options):
        statuses = parse_statuses(status)
        if since < 1:
            raise CommandError(f"--since takes a number of days, at least 1 (got {since}).")
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1 (got {batch_size}).")
        # Progress is for the person at the terminal; keep stdout for the
        # summary so that it can be piped or logged on its own.
        def progress(report: RescoreReport) -> None:
            self.stderr.write(progress_line(report))
            self.stderr.flush()

        report = comment_rescore(
            statuses=statuses,
            since=timezone.now() - timedelta(days=since),
            batch_size=batch_size,
            dry_run=dry_run,
            progress=progress,
        )
        self._summary(report, statuses=statuses, days=since)

    def _summary(self, report: RescoreReport, *, statuses: list[str], days: int) -> None:
        out = self.stdout
        verb = "would move" if report.dry_run else "moved"
        out.write(
            f"{'Dry run: ' if report.dry_run else ''}rescored {report.scored} "
            f"{'/'.join(statuses)} comment(s) from the last {days} day(s) with detectors "
            f"{report.version}."
        )
        for move in report.moved:
            out.write(
                f"  #{move.comment_id}: {verb} {move.from_status} -> {move.to_status} "
                f"(spam {'none' if move.old_spam is None else f'{move.old_spam:.2f}'} "
                f"-> {move.new_spam:.2f})"
            )
        counts = {}
        for move in report.moved:
            key = f"{move.from_status} -> {move.to_status}"
            counts[key] = counts.get(key, 0) + 1
        moves = ", ".join(f"{n} {key}" for key, n in sorted(counts.items())) or "none"
        out.write(f"{verb.capitalize()}: {moves}.")
        out.write(
            f"{'Would store' if report.dry_run else 'Stored'} new scores only: {report.rescored}; "
            f"unchanged: {report.unchanged}; skipped: {report.skipped} "
            f"(changed meanwhile, or a hosted checker could not answer)."
        )
        if report.kept_by_editor:
            out.write(
                f"Kept as editors decided: {report.kept_by_editor} "
                f"(the new scores would route them elsewhere)."
            )
