"""Make an earlier version of the detectors live again."""

from django.core.management.base import BaseCommand, CommandError

from detection.versions import detectors_rollback


class Command(BaseCommand):
    help = (
        "Roll the detectors back: to VERSION if given ('shipped' for the "
        "artefacts in the repository), else to the version live before the "
        "current one. Workers switch within DETECTOR_VERSION_RECHECK_SECONDS."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", nargs="?", help="a version from `manage.py detector_versions`, or 'shipped'")

    def handle(self, *args, version, **options):
        try:
            live = detectors_rollback(to_version=version)
        except ValueError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"Detectors now live: {live}")
