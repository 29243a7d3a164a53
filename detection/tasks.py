"""Celery entry points of the detectors. The task kept the name it had in
``comments`` (queued messages and the beat schedule carry it)."""

from celery import shared_task


@shared_task(name="comments.retrain_detectors", soft_time_limit=3 * 3600, time_limit=3 * 3600 + 60)
def detectors_retrain() -> str:
    """Weekly, when DETECTOR_RETRAIN_WEEKLY is on: retrain on public data
    plus editors' decisions; promote only if not worse (detection.versions)."""
    import logging

    from detection.versions import detectors_retrain as retrain

    log = logging.getLogger("detection.versions")
    row = retrain(progress=log.info)
    return f"{row.version}: {'promoted' if row.evaluation.get('promoted') else 'kept as candidate'}"
