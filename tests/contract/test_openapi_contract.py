"""The OpenAPI schema is the contract: schemathesis generates requests
from it (valid and invalid) against the real app, in-process over WSGI,
and checks every answer: no 5xx, documented status codes and content
types, bodies that match the schema."""

import pytest
from hypothesis import HealthCheck, given, settings

import schemathesis
from comments.models import CommentStatus
from newsroom.wsgi import application
from tests.base import make_comment, seed_article

pytestmark = pytest.mark.django_db

# Per operation; reads get the most, the whole run stays well under a minute.
EXAMPLES = {"GET": 40, "POST": 15}


def _seed():
    article = seed_article()
    for i in range(30):
        make_comment(article, status=CommentStatus.APPROVED, body=f"Approved {i}")
    make_comment(article, status=CommentStatus.REVIEW, body="In review")


@pytest.fixture
def keep_test_connection():
    """Run the WSGI app inside the test's transaction: stop Django from
    closing the connection at the end of each request, as its test
    client does."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_every_operation_honours_the_schema(keep_test_connection):
    _seed()
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    tested = []
    for operation in operations:
        method = operation.method.upper()

        @settings(
            max_examples=EXAMPLES.get(method, 10),
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate()

        check()
        tested.append(f"{method} {operation.path}")
    assert {
        "GET /api/articles/{slug}/comments/",
        "POST /api/articles/{slug}/comments/",
        "GET /api/comments/{id}/",
        "GET /api/comment-counts/",
        "GET /api/articles/",
        "GET /api/articles/{slug}/",
    } <= set(tested)
