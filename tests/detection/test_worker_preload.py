"""A Celery worker loads the detectors before its pool forks (issue #12)."""

from celery.signals import worker_init
from django.test import TestCase

from detection.apps import load_models_before_fork
from detection.classifiers import model


class WorkerPreloadTests(TestCase):
    def test_the_worker_init_signal_loads_the_models_in_the_main_process(self):
        self.assertIn(
            "detection.load_models_before_fork", [key[0] for key, _receiver in worker_init.receivers]
        )
        model.reset_models()
        self.addCleanup(model.reset_models)
        load_models_before_fork()
        self.assertEqual(len(model._MODELS), 1)
        (loaded,) = model._MODELS.values()
        self.assertEqual(loaded.directory, model.PACKAGE_ARTIFACTS_DIR)
