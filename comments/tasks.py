"""Celery entry points. Each loads nothing itself and calls one service."""

from celery import Task, shared_task

from detection.classifiers.base import TransientCheckError


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
    retry_backoff_max=120,  # comments.services.RETRY_BACKOFF_MAX
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


@shared_task(name="partners.purge_idempotency_records", soft_time_limit=50, time_limit=60)
def idempotency_records_purge() -> int:
    # Named when idempotency lived in partners; the name is what the beat
    # schedule and queued messages carry, so it stays.
    from comments.services import idempotency_records_purge as purge

    return purge()
