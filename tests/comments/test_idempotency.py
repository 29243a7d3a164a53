"""Idempotency-Key on submissions."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from comments.services import comment_create
from comments.services import comment_create_idempotent

from comments.models import Comment
from comments.models import IdempotencyRecord
from partners.services import api_key_create
from tests.base import SEED_SLUG, BaseTestCase, seed_article

LIST_URL = f"/api/articles/{SEED_SLUG}/comments/"
PAYLOAD = {"author_name": "Ann", "author_email": "ann@example.org", "body": "Well argued."}


class IdempotencyKeyTests(BaseTestCase):
    def post(self, payload=PAYLOAD, key="retry-1", client=None, **headers):
        client = client or APIClient()
        return client.post(LIST_URL, payload, format="json", HTTP_IDEMPOTENCY_KEY=key, **headers)

    def test_retry_returns_the_same_comment_and_creates_none(self):
        first = self.post()
        second = self.post()
        self.assertEqual(first.status_code, 202)
        self.assertEqual(second.status_code, 202)
        self.assertEqual(first.json(), second.json())
        self.assertEqual(second["Idempotent-Replayed"], "true")
        self.assertNotIn("Idempotent-Replayed", first)
        self.assertEqual(Comment.objects.count(), 1)

    def test_same_key_other_body_is_422_and_creates_nothing(self):
        _, raw = api_key_create(name="App", can_submit=True)
        self.post(HTTP_X_API_KEY=raw)
        response = self.post({**PAYLOAD, "body": "Something else."}, HTTP_X_API_KEY=raw)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(
            response.json(),
            {"detail": "This Idempotency-Key was already used with a different request; "
                       "use a new key for a new comment."},
        )
        self.assertEqual(Comment.objects.count(), 1)

    def test_keys_are_forgotten_after_their_ttl(self):
        from datetime import timedelta

        from django.utils import timezone

        from comments.services import idempotency_records_purge

        self.post({**PAYLOAD, "body": "An older submission."}, key="old")
        self.post({**PAYLOAD, "body": "A newer submission."}, key="new")
        IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
        self.assertEqual(idempotency_records_purge(), 1)
        self.assertEqual(list(IdempotencyRecord.objects.values_list("key", flat=True)), ["new"])
        self.assertEqual(Comment.objects.count(), 2)  # the comments stay

    def test_keys_are_per_client(self):
        _, raw = api_key_create(name="App", can_submit=True)
        self.post()
        self.post(HTTP_X_API_KEY=raw)
        self.assertEqual(Comment.objects.count(), 2)
        self.assertEqual(
            set(IdempotencyRecord.objects.values_list("client", flat=True).order_by("client")).__len__(), 2
        )

    def test_anonymous_keys_are_scoped_to_the_request_too(self):
        # Two people behind one address (an office) happen to use one key:
        # each gets their own comment, and neither learns of the other's.
        first = self.post()
        neighbour = self.post({**PAYLOAD, "author_email": "bo@example.org", "body": "Mine."})
        self.assertEqual(neighbour.status_code, 202)
        self.assertNotIn("Idempotent-Replayed", neighbour)
        self.assertNotEqual(first.json()["id"], neighbour.json()["id"])
        # A real retry (same client, same request) is still a replay.
        self.assertEqual(self.post()["Idempotent-Replayed"], "true")
        self.assertEqual(Comment.objects.count(), 2)
        self.assertTrue(all(c.startswith("ipreq:") for c in IdempotencyRecord.objects.values_list("client", flat=True)))

    def test_without_key_every_post_creates(self):
        APIClient().post(LIST_URL, PAYLOAD, format="json")
        APIClient().post(LIST_URL, PAYLOAD, format="json")
        self.assertEqual(Comment.objects.count(), 2)

    def test_bad_key_is_400(self):
        response = self.post(key="x" * 256)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json(), {"Idempotency-Key": ["Must be 1 to 255 printable ASCII characters."]}
        )
        self.assertFalse(Comment.objects.exists())

    def test_invalid_body_with_key_records_nothing(self):
        response = self.post({**PAYLOAD, "author_email": "nope"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(IdempotencyRecord.objects.exists())
        self.assertEqual(self.post().status_code, 202)


@pytest.mark.django_db(transaction=True)
def test_two_racing_retries_create_one_comment():
    """Both requests pass the lookup before either has committed; the
    unique constraint lets one win and the other returns its comment."""
    article = seed_article()
    barrier = threading.Barrier(2, timeout=10)
    results = []

    def submit():
        def create():
            barrier.wait()
            return comment_create(article=article, **PAYLOAD)

        try:
            results.append(
                comment_create_idempotent(
                    article=article, data=PAYLOAD, client="ip:x", idempotency_key="k", create=create
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert len(results) == 2
    assert results[0][0].pk == results[1][0].pk
    assert sorted(replayed for _, replayed in results) == [False, True]
    assert Comment.objects.count() == 1
