"""Celery entry points of the partners app."""

from celery import shared_task
from django.conf import settings


@shared_task(
    bind=True,
    name="partners.deliver_webhook",
    # Safe to redeliver: a delivery no longer pending is skipped.
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # webhook_delivery_attempt counts and gives up
    soft_time_limit=settings.WEBHOOK_TIMEOUT + 10,
    time_limit=settings.WEBHOOK_TIMEOUT + 20,
)
def deliver_webhook(self, delivery_id: int) -> None:
    from partners.services import webhook_delivery_attempt

    outcome = webhook_delivery_attempt(delivery_id=delivery_id)
    if not outcome.done:
        raise self.retry(countdown=outcome.retry_in)


@shared_task(name="partners.sweep_webhook_deliveries", soft_time_limit=50, time_limit=60)
def webhook_sweep_stuck() -> int:
    from partners.services import webhook_sweep_stuck as sweep
    from partners.services import webhook_sync_publication

    # Articles published (or whose time came) since the last run: their
    # approved comments became public without a status change.
    webhook_sync_publication()
    return sweep()
