"""What the broker holds for the check task: which comments already have a
check message waiting, so that the sweep does not add a second one.

A comment can sit in ``pending`` past COMMENT_CHECK_TIMEOUT for two
reasons: its message was lost (a Redis restart without persistence, a
broker that was down when it was posted), or its message is still waiting
behind a backlog. Only the first needs a new message; a second message for
the second only lengthens the backlog (and is checked as a no-op). The
sweep tells them apart by looking, with the Redis transport, at:

- the queue itself (every priority list of it), and
- the messages workers have taken but not acknowledged (kombu's
  ``unacked`` hash; check tasks are ``acks_late``): a retry waiting for its
  countdown (its ETA is after the cut-off) or a message taken after the
  cut-off (prefetched, it starts as soon as a check ends). Others belong
  to a worker that died; kombu redelivers them only after the visibility
  timeout (an hour), so they do not count as waiting.

Other brokers (RabbitMQ) cannot be looked into this way: ``None``, and the
sweep falls back to re-enqueueing after the time-out.
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import datetime

logger = logging.getLogger(__name__)

CHECK_TASK = "comments.check_comment"


def _decode(raw: str | bytes) -> tuple[int, float | None] | None:
    """(comment id, ETA as a Unix time or None) of one check message in
    kombu's Redis JSON envelope; None for anything else."""
    try:
        message = json.loads(raw)
        if isinstance(message, list):  # an unacked entry: [message, exchange, key]
            message = message[0]
        headers = message.get("headers", {})
        if headers.get("task") != CHECK_TASK:
            return None
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        comment_id = int(json.loads(body)[0][0])
        eta = headers.get("eta")
        return comment_id, datetime.fromisoformat(eta).timestamp() if eta else None
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


def check_ids_waiting(*, cutoff: float, longest_countdown: float) -> set[int] | None:
    """Ids of comments whose check message is waiting: in the queue, or
    taken by a worker (not yet acknowledged) after ``cutoff`` or due after
    it (a retry's ETA). Times are Unix times; ``longest_countdown`` bounds
    how long before its ETA a retry can have been taken. None when the
    broker cannot be looked into."""
    from comments.tasks import comment_check

    app = comment_check.app
    if not str(app.conf.broker_url).startswith(("redis://", "rediss://")):
        return None
    queue = app.conf.task_default_queue
    try:
        with app.connection_for_read() as conn:
            channel = conn.default_channel
            client = channel.client
            lists = sorted({channel._q_for_pri(queue, pri) for pri in channel.priority_steps})
            with client.pipeline() as pipe:
                for key in lists:
                    pipe.lrange(key, 0, -1)
                pipe.zrangebyscore(
                    channel.unacked_index_key, cutoff - longest_countdown, "+inf", withscores=True
                )
                *waiting, taken = pipe.execute()
            tags = [tag for tag, _score in taken]
            messages = client.hmget(channel.unacked_key, tags) if tags else []
    except Exception:  # the broker is down: nothing can be known
        logger.warning("Could not look into the broker's queue", exc_info=True)
        return None
    ids = set()
    for raw in (raw for batch in waiting for raw in batch):
        if (found := _decode(raw)) is not None:
            ids.add(found[0])
    for (_tag, taken_at), raw in zip(taken, messages):
        if raw is None or (found := _decode(raw)) is None:
            continue
        comment_id, eta = found
        if (eta if eta is not None else taken_at) >= cutoff:
            ids.add(comment_id)
    return ids
