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
  ``unacked`` hash; check tasks are ``acks_late``): those taken since the
  given time (a retry waiting for its countdown, a prefetched message).
  Older ones belong to a worker that died; kombu redelivers them only after
  the visibility timeout, so they do not count as waiting.

Other brokers (RabbitMQ) cannot be looked into this way: ``None``, and the
sweep falls back to re-enqueueing after the time-out.
"""

from __future__ import annotations

import base64
import json
import logging

logger = logging.getLogger(__name__)

CHECK_TASK = "comments.check_comment"


def _comment_id(raw: str | bytes) -> int | None:
    """The comment id of one check message (kombu's Redis JSON envelope)."""
    try:
        message = json.loads(raw)
        if isinstance(message, list):  # an unacked entry: [message, exchange, key]
            message = message[0]
        if message.get("headers", {}).get("task") != CHECK_TASK:
            return None
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        return int(args[0])
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


def check_ids_waiting(*, taken_since: float) -> set[int] | None:
    """Ids of comments with a check message in the queue, or taken by a
    worker (not yet acknowledged) at or after ``taken_since`` (a Unix
    time). None when the broker cannot be looked into."""
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
                pipe.zrangebyscore(channel.unacked_index_key, taken_since, "+inf")
                *waiting, tags = pipe.execute()
            taken = client.hmget(channel.unacked_key, tags) if tags else []
    except Exception:  # the broker is down: nothing can be known
        logger.warning("Could not look into the broker's queue", exc_info=True)
        return None
    ids = {_comment_id(raw) for batch in waiting for raw in batch}
    ids |= {_comment_id(raw) for raw in taken if raw is not None}
    ids.discard(None)
    return ids
