"""List the trained versions of the detectors and which one is live."""

from django.core.management.base import BaseCommand

from detection.models import DetectorVersion


class Command(BaseCommand):
    help = "List the detector versions kept in the database, newest first, and the live one."

    def handle(self, *args, **options):
        rows = list(DetectorVersion.objects.defer("archive"))
        if not any(row.is_active for row in rows):
            self.stdout.write("* shipped   (the artefacts in the repository)")
        for row in rows:
            mark = "*" if row.is_active else " "
            verdict = "promoted" if row.evaluation.get("promoted") else "not promoted"
            notes = "; ".join(n for n in row.evaluation.get("notes", []) if not n.startswith(("promoted", "not promoted")))
            self.stdout.write(f"{mark} {row.version}  created {row.created_at:%Y-%m-%d %H:%M}  {verdict}  {notes}")
        if any(row.is_active for row in rows):
            self.stdout.write("  shipped   (the artefacts in the repository)")
