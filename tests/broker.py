"""The test run's own Celery queue in the real Redis broker: what is in it,
and emptying it. Tests that enqueue without a worker read it to see what
was sent, and leave it empty for the next test."""

from __future__ import annotations

import base64
import json

from newsroom.celery import app


def queued_tasks() -> list[tuple[str, list]]:
    """(task name, args) of each message waiting in the queue, oldest first."""
    queue = app.conf.task_default_queue
    found = []
    # kombu's Redis transport LPUSHes and BRPOPs: the oldest is last.
    with app.connection_for_write() as conn:
        raws = conn.default_channel.client.lrange(queue, 0, -1)
    for raw in reversed(raws):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        found.append((message["headers"]["task"], args))
    return found


def queue_purge() -> int:
    with app.connection_for_write() as conn:
        return conn.default_channel.queue_purge(app.conf.task_default_queue) or 0
