"""The whole path with a real Celery worker on real Redis and PostgreSQL."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils.html import escape
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, CommentStatus
from comments.services import comment_sweep_stuck
from newsroom.celery import app as celery_app
from tests.base import SEED_SLUG, ensure_editors_group, make_editor, seed_article
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def status_of(pk):
    return Comment.objects.values_list("status", flat=True).get(pk=pk)


@contextmanager
def broker_down():
    """Point the app at a port where nothing listens: a real refused
    connection, as when Redis is down."""
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        celery_app.conf.broker_url = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def test_post_check_approve_publish(celery_worker):
    article = seed_article()
    reader = Client()
    body = "Stoltenberg is right that Putin's threats have been bluffs so far."
    response = reader.post(
        article.get_absolute_url(),
        {"author_name": "Maria", "author_email": "maria@example.org", "body": body},
    )
    assert response.status_code == 302
    comment = Comment.objects.get(body=body)

    # The worker claims, checks and routes it.
    wait_for(lambda: status_of(comment.pk) == CommentStatus.REVIEW)
    comment.refresh_from_db()
    assert comment.spam_score is not None and comment.toxicity_score is not None

    # Not public yet.
    assert escape(body) not in Client().get(article.get_absolute_url()).content.decode()

    # An editor approves it with the admin action.
    editor = Client()
    ensure_editors_group()
    # force_login: django-axes needs the request that Client.login() omits.
    editor.force_login(make_editor("edna", "pw"))
    response = editor.post(
        reverse("admin:comments_comment_changelist"),
        {"action": "approve_comments", "_selected_action": [comment.pk]},
        follow=True,
    )
    assert "Approved 1 comment(s)." in response.content.decode()
    assert status_of(comment.pk) == CommentStatus.APPROVED

    # Public on the page and in the API.
    assert escape(body) in Client().get(article.get_absolute_url()).content.decode()
    api = Client().get(f"/api/articles/{SEED_SLUG}/comments/").json()
    assert [c["body"] for c in api["results"]] == [body]
    history = list(comment.events.values_list("from_status", "to_status"))
    assert history == [
        ("", "pending"), ("checking", "review"), ("review", "approved"),
    ]


def test_comment_posted_while_broker_down_is_kept_and_swept_later(celery_worker, settings):
    settings.COMMENT_CHECK_TIMEOUT = 60
    article = seed_article()
    body = "Posted while the broker was down."
    with broker_down():
        response = Client().post(
            article.get_absolute_url(),
            {"author_name": "Omar", "author_email": "omar@example.org", "body": body},
        )
    assert response.status_code == 302
    comment = Comment.objects.get(body=body)
    assert comment.status == CommentStatus.PENDING

    # Broker back: once the comment is older than the timeout, the sweep
    # enqueues it again and the real worker checks it.
    Comment.objects.filter(pk=comment.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=5)
    )
    assert comment_sweep_stuck() == 1
    wait_for(lambda: status_of(comment.pk) == CommentStatus.REVIEW)


def test_sweep_recovers_comment_whose_message_was_lost(celery_worker, settings):
    settings.COMMENT_CHECK_TIMEOUT = 60
    article = seed_article()
    # A worker took the message and died mid-check: the comment sits in
    # `checking` and no message is left in the queue.
    lost = Comment.objects.create(
        article=article, author_name="Lee", author_email="lee@example.org",
        body="My message was lost.", status=CommentStatus.CHECKING, check_attempts=1,
    )
    Comment.objects.filter(pk=lost.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=10)
    )
    # The beat task runs the sweep through the broker too.
    celery_app.send_task("comments.sweep_stuck_comments")
    wait_for(lambda: status_of(lost.pk) == CommentStatus.REVIEW)
    lost.refresh_from_db()
    assert lost.check_attempts == 2
    assert [e.to_status for e in lost.events.all()] == ["pending", "review"]
