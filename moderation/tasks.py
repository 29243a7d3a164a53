"""Celery entry points of the editors' desk. Task names are the wire format
(queued messages and the beat schedule carry them): they kept the names
they had in ``comments``."""

from celery import shared_task


@shared_task(name="comments.notify_author", soft_time_limit=20, time_limit=30)
def comment_notify_author(comment_id: int, status: str) -> bool:
    from moderation.services import comment_notify_author as notify

    return notify(comment_id=comment_id, status=status)


@shared_task(name="comments.desk_periodic", soft_time_limit=50, time_limit=60)
def desk_periodic() -> None:
    """Queue-depth alerts and closing expired articles, on Celery beat."""
    from moderation.services import article_close_expired, queue_alert_check

    queue_alert_check()
    article_close_expired()
