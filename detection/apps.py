import logging

from django.apps import AppConfig

log = logging.getLogger(__name__)


class DetectionConfig(AppConfig):
    name = "detection"
    verbose_name = "Detection"

    def ready(self):
        from celery.signals import worker_init

        worker_init.connect(load_models_before_fork, weak=False, dispatch_uid="detection.load_models_before_fork")


def load_models_before_fork(**_kwargs) -> None:
    """Load every checker and its models in a Celery worker's main process,
    before the pool forks, so that the children share those pages instead of
    each loading its own copy (the worker's memory budget, docs/model-card.md).

    A failure here only costs the sharing: each child then loads the models
    on its first comment, as it would have anyway.
    """
    from detection.classifiers.pipeline import get_checkers

    try:
        for checker in get_checkers():
            warm_up = getattr(checker, "warm_up", None)
            if warm_up is not None:
                warm_up()
    except Exception:  # noqa: BLE001 - never stop a worker from starting
        log.warning("could not load the detectors before forking; each worker process will load its own", exc_info=True)
    # Celery's Django fix-up closes the inherited database connection in
    # each child (worker_process_init).
