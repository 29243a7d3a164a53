"""Writes of the partners app: API keys, webhook deliveries, idempotent
submissions, and what the public API does after a comment's status
changes.

A webhook delivery, step by step:

1. A status change that partners care about (see ``webhook_event_for``;
   ``comment.approved`` only for a comment that became public, by the
   public rule of ``comments.selectors``) creates one ``WebhookDelivery``
   per subscribed endpoint, in the same transaction as the change, so no
   event is lost or invented. A comment that becomes public because its
   article does is found by ``webhook_sync_publication`` (beat).
2. Once that transaction commits, a ``partners.deliver_webhook`` task is
   enqueued per delivery. Moderation never waits for an endpoint.
3. The task POSTs the payload, signed with the endpoint's secret, and logs
   the attempt (status code, duration, error). A non-2xx answer or a
   network error is retried with exponential back-off until
   WEBHOOK_MAX_ATTEMPTS; then the delivery is marked failed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, CommentStatus
from comments.selectors import comment_is_public_once_approved, comment_list_public
from partners import addresses
from partners.models import (
    ApiKey,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

logger = logging.getLogger(__name__)
S = CommentStatus
KEY_PREFIX_LEN = 8


# --- API keys ------------------------------------------------------------------


def api_key_generate() -> tuple[str, str]:
    """A new raw key and its lookup prefix: ``nr_<prefix>_<secret>``."""
    prefix = secrets.token_hex(KEY_PREFIX_LEN // 2)
    return f"nr_{prefix}_{secrets.token_urlsafe(32)}", prefix


def api_key_create(
    *, name: str, can_read: bool = True, can_submit: bool = False,
    read_rate: str = "", submit_rate: str = "",
) -> tuple[ApiKey, str]:
    """Store a new key (hashed) and return it with the raw key, which is
    never stored and cannot be shown again."""
    raw, prefix = api_key_generate()
    key = ApiKey(
        name=name, can_read=can_read, can_submit=can_submit,
        read_rate=read_rate, submit_rate=submit_rate,
    )
    api_key_set_secret(key=key, raw=raw, prefix=prefix)
    key.full_clean()
    key.save()
    return key, raw


def api_key_set_secret(*, key: ApiKey, raw: str, prefix: str) -> None:
    key.prefix = prefix
    key.hashed_key = ApiKey.hash(raw)


# --- Cache and webhooks after a status change -----------------------------------


def webhook_event_for(*, from_status: str, to_status: str) -> str | None:
    """Which event partners get for a status change, if any.

    approved: ``comment.approved``. Rejected or marked spam after being
    public or in review: ``comment.rejected``. Removed by its author after
    being public or in review, or a public comment taken back into
    moderation (e.g. edited by its author): ``comment.removed``: partners
    must stop showing it. A comment withdrawn while pending, or from the
    spam folder, was never anything partners heard of: no event.
    """
    if to_status == S.APPROVED:
        return WebhookEvent.APPROVED
    if to_status in (S.REJECTED, S.SPAM) and from_status in (S.APPROVED, S.REVIEW):
        return WebhookEvent.REJECTED
    if to_status == S.REMOVED and from_status in (S.APPROVED, S.REVIEW):
        return WebhookEvent.REMOVED
    if from_status == S.APPROVED:
        return WebhookEvent.REMOVED
    return None


def webhooks_after_transition(*, comment: Comment, from_status: str, to_status: str) -> None:
    """Queue the webhook deliveries of a status change (registered in
    ``comments.hooks`` by ``PartnersConfig.ready()``); they are sent once
    the change commits.

    ``comment.approved`` means "became public", by the same rule as the
    page, the API and the counts (``comments.selectors``): a comment
    approved under a comment that is not public, or on an article not
    published yet, sends nothing now; it is sent when its parent becomes
    public (below) or its article does (``webhook_sync_publication``).
    """
    if from_status == to_status:
        return
    public_once_approved = S.APPROVED in (from_status, to_status) and comment_is_public_once_approved(
        comment=comment
    )
    was_public = from_status == S.APPROVED and public_once_approved
    is_public = to_status == S.APPROVED and public_once_approved
    event = webhook_event_for(from_status=from_status, to_status=to_status)
    if event == WebhookEvent.APPROVED and not is_public:
        event = None  # approved, not public: partners hear of it when it is
    elif event == WebhookEvent.REMOVED and to_status != S.REMOVED and not was_public:
        event = None  # it never was public: there is nothing to stop showing
    if event is not None:
        webhook_deliveries_create(comments=[comment], event=event)
    # A reply is public only under a public comment (comments.selectors):
    # when a comment leaves or rejoins the public list, so do its approved
    # replies, and partners mirroring the list hear of each.
    if comment.parent_id is None and was_public != is_public:
        reply_event = WebhookEvent.APPROVED if is_public else WebhookEvent.REMOVED
        replies = list(comment.replies.filter(status=S.APPROVED).order_by("id"))
        webhook_deliveries_create(comments=replies, event=reply_event)


def webhook_sync_publication(*, now=None) -> int:
    """Tell partners about comments that became public, or stopped being
    so, because their article did: it was published or unpublished, or its
    ``published_at`` passed. No status changes then, so this runs with the
    webhook sweep (Celery beat, every WEBHOOK_SWEEP_INTERVAL seconds) over
    the articles published or changed within the last 2 x
    WEBHOOK_SWEEP_GRACE seconds (ten minutes by default).

    Per endpoint and approved comment of those articles, the last event the
    endpoint was sent about it decides: a public comment whose last event
    was not ``comment.approved`` is sent it (unless the endpoint was created
    after the approval: an endpoint hears of approvals from its creation
    on); one that is no longer public after a ``comment.approved`` is sent
    ``comment.removed``. Running it twice sends nothing more. Returns how
    many deliveries it created."""
    now = now or timezone.now()
    since = now - timedelta(seconds=2 * settings.WEBHOOK_SWEEP_GRACE)
    articles = Article.objects.filter(Q(published_at__gt=since, published_at__lte=now) | Q(updated_at__gt=since))
    approved = Comment.objects.filter(article__in=articles, status=S.APPROVED)
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True))
    if not endpoints or not approved.exists():
        return 0
    public = set(comment_list_public().filter(pk__in=approved).values_list("pk", flat=True))
    created = 0
    for endpoint in endpoints:
        last_event = (
            WebhookDelivery.objects.filter(endpoint=endpoint, comment_id=OuterRef("pk"))
            .order_by("-id")
            .values("event")[:1]
        )
        rows = approved.annotate(last_event=Subquery(last_event)).values_list("pk", "approved_at", "last_event")
        owed: dict[str, list[int]] = {WebhookEvent.APPROVED: [], WebhookEvent.REMOVED: []}
        for pk, approved_at, last in rows:
            if pk in public:
                if last is None and (approved_at or now) < endpoint.created_at:
                    continue
                if last != WebhookEvent.APPROVED:
                    owed[WebhookEvent.APPROVED].append(pk)
            elif last == WebhookEvent.APPROVED:
                owed[WebhookEvent.REMOVED].append(pk)
        for event, pks in owed.items():
            # Whole rows only for what is sent: an edited article may have
            # thousands of comments, nearly all sent already.
            comments = list(Comment.objects.filter(pk__in=pks).order_by("id")) if pks else []
            created += len(webhook_deliveries_create(comments=comments, event=event, endpoints=[endpoint]))
    return created


def webhook_payload(*, comment: Comment, event: str, article_slug: str) -> dict:
    data = {"id": comment.pk, "article": article_slug, "status": comment.status}
    if event == WebhookEvent.APPROVED:
        data.update(
            parent=comment.parent_id,
            author_name=comment.author_name,
            body=comment.body,
            created_at=comment.created_at.isoformat() if comment.created_at else None,
            approved_at=comment.approved_at.isoformat() if comment.approved_at else None,
        )
    return {"event": event, "occurred_at": timezone.now().isoformat(), "data": data}


def webhook_deliveries_create(
    *, comments: list[Comment], event: str, endpoints: list[WebhookEndpoint] | None = None
) -> list[WebhookDelivery]:
    """One delivery per subscribed endpoint (of ``endpoints``: all active
    ones by default) and comment, sent once the change commits; three
    queries however many comments (a comment's replies)."""
    if not comments:
        return []
    if endpoints is None:
        endpoints = list(WebhookEndpoint.objects.filter(is_active=True))
    endpoints = [e for e in endpoints if e.wants(event)]
    if not endpoints:
        return []
    slugs = dict(Article.objects.filter(pk__in={c.article_id for c in comments}).values_list("pk", "slug"))
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=e, event=event, comment_id=c.pk,
                payload=webhook_payload(comment=c, event=event, article_slug=slugs[c.article_id]),
            )
            for c in comments
            for e in endpoints
        ]
    )
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: webhook_deliveries_enqueue(delivery_ids=ids))
    return deliveries


def webhook_deliveries_enqueue(*, delivery_ids: list[int]) -> None:
    from partners.tasks import deliver_webhook

    for pk in delivery_ids:
        try:
            deliver_webhook.apply_async(args=[pk])
        except Exception:  # broker down: the delivery row stays pending
            logger.warning("Could not enqueue webhook delivery %s", pk, exc_info=True)


def webhook_sweep_stuck(*, now=None) -> int:
    """Re-enqueue pending deliveries whose next try is overdue by more than
    WEBHOOK_SWEEP_GRACE seconds: their message was lost (the broker was
    down at commit, or a worker died). Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE)
    overdue = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lt=cutoff
        ).values_list("pk", "next_attempt_at")[:1000]
    )
    claimed = []
    for pk, due in overdue:
        # Conditional on the row being unchanged: two sweeps cannot both
        # enqueue it, and a delivery tried meanwhile is left alone.
        if WebhookDelivery.objects.filter(
            pk=pk, status=DeliveryStatus.PENDING, next_attempt_at=due
        ).update(next_attempt_at=now):
            claimed.append(pk)
    webhook_deliveries_enqueue(delivery_ids=claimed)
    return len(claimed)


def webhook_sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """``v1=`` + hex HMAC-SHA256 of ``<timestamp>.<body>`` with the secret."""
    message = str(timestamp).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a success: urllib would otherwise turn
    the POST into a GET and report the target's 200."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = addresses.opener(_NoRedirects)


@dataclass
class AttemptOutcome:
    done: bool  # nothing more to do (succeeded, gave up, or nothing to send)
    retry_in: float | None = None  # seconds until the next try


def webhook_retry_delay(attempt: int) -> float:
    base = settings.WEBHOOK_RETRY_BACKOFF
    return min(base * (2 ** (attempt - 1)), settings.WEBHOOK_RETRY_BACKOFF_MAX)


def webhook_delivery_attempt(*, delivery_id: int) -> AttemptOutcome:
    """Send one delivery once, log the attempt, and say whether to retry."""
    delivery = (
        WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    )
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return AttemptOutcome(done=True)  # a redelivered message: already done
    endpoint = delivery.endpoint
    body = json.dumps({"id": str(delivery.uuid), **delivery.payload}, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "newsroom-webhooks/1",
            "X-Newsroom-Event": delivery.event,
            "X-Newsroom-Delivery": str(delivery.uuid),
            "X-Newsroom-Timestamp": str(timestamp),
            "X-Newsroom-Signature": webhook_sign(secret=endpoint.secret, timestamp=timestamp, body=body),
        },
    )
    started = timezone.now()
    t0 = time.monotonic()
    status_code, error = None, ""
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
            status_code = response.status
    except urllib.error.HTTPError as exc:
        status_code, error = exc.code, f"HTTP {exc.code}"
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, addresses.UnsafeAddress):  # nothing was sent
            error = f"Not sent: {exc.reason}"[:500]
        else:
            error = f"URLError: {exc.reason}"[:500]
    except Exception as exc:  # timeouts, refused connections, DNS, TLS
        error = f"{type(exc).__name__}: {exc}"[:500]
    duration_ms = int((time.monotonic() - t0) * 1000)
    number = delivery.attempts + 1
    succeeded = status_code is not None and 200 <= status_code < 300
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery, number=number, started_at=started,
            duration_ms=duration_ms, status_code=status_code, error=error,
        )
        delivery.attempts = number
        fields = ["attempts"]
        if succeeded or number >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.SUCCEEDED if succeeded else DeliveryStatus.FAILED
            delivery.finished_at = timezone.now()
            fields += ["status", "finished_at"]
        else:
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=webhook_retry_delay(number))
            fields.append("next_attempt_at")
        delivery.save(update_fields=fields)
    if delivery.status != DeliveryStatus.PENDING:
        return AttemptOutcome(done=True)
    return AttemptOutcome(done=False, retry_in=webhook_retry_delay(number))
