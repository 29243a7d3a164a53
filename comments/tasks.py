"""Celery entry points. Each loads nothing itself and calls one service."""

from celery import Task, shared_task

from comments.classifiers.base import TransientCheckError


class CheckTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries ran out or the error was permanent: an editor decides.
        from comments.services import comment_check_failed

        comment_check_failed(comment_id=args[0], error=type(exc).__name__)


@shared_task(
    name="comments.check_comment",
    base=CheckTask,
    bind=True,
    # Safe to redeliver: comment_check claims the comment before working.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientCheckError,),
    retry_backoff=2,
    retry_backoff_max=120,
    max_retries=5,
    soft_time_limit=20,
    time_limit=30,
)
def comment_check(self, comment_id: int) -> None:
    from comments.services import comment_check as check

    # On the last try a hosted checker that is still down no longer fails
    # the check: the local scores stand and an editor decides.
    check(comment_id=comment_id, final_attempt=self.request.retries >= self.max_retries)


@shared_task(name="comments.sweep_stuck_comments", soft_time_limit=50, time_limit=60)
def comment_sweep_stuck() -> int:
    from comments.services import comment_sweep_stuck as sweep

    return sweep()


@shared_task(
    name="comments.akismet_feedback",
    # Telling Akismet twice is harmless, so redelivery is safe.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientCheckError,),
    retry_backoff=10,
    retry_backoff_max=600,
    max_retries=8,
    soft_time_limit=20,
    time_limit=30,
)
def comment_akismet_feedback(comment_id: int, kind: str) -> bool:
    from comments.services import comment_akismet_feedback as send

    return send(comment_id=comment_id, kind=kind)


@shared_task(name="comments.notify_author", soft_time_limit=20, time_limit=30)
def comment_notify_author(comment_id: int, status: str) -> bool:
    from comments.desk_services import comment_notify_author as notify

    return notify(comment_id=comment_id, status=status)


@shared_task(name="comments.desk_periodic", soft_time_limit=50, time_limit=60)
def desk_periodic() -> None:
    """Queue-depth alerts and closing expired articles, on Celery beat."""
    from comments.desk_services import article_close_expired, queue_alert_check

    queue_alert_check()
    article_close_expired()


@shared_task(name="comments.retrain_detectors", soft_time_limit=3 * 3600, time_limit=3 * 3600 + 60)
def detectors_retrain() -> str:
    """Weekly, when DETECTOR_RETRAIN_WEEKLY is on: retrain on public data
    plus editors' decisions; promote only if not worse (comments.detectors)."""
    import logging

    from comments.detectors import detectors_retrain as retrain

    log = logging.getLogger("comments.detectors")
    row = retrain(progress=log.info)
    return f"{row.version}: {'promoted' if row.evaluation.get('promoted') else 'kept as candidate'}"
