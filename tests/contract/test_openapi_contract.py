"""The OpenAPI schema is the contract: schemathesis generates requests
from it (valid and invalid) against the real app, in-process over WSGI,
and checks every answer: no 5xx, documented status codes and content
types, bodies that match the schema."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode
from comments.models import CommentStatus
from newsroom.wsgi import application
from tests.base import make_comment, seed_article

pytestmark = pytest.mark.django_db

# Per operation; reads get the most, the whole run stays well under a minute.
EXAMPLES = {"GET": 60, "POST": 30}


def _seed() -> dict:
    """Rows to find, and path parameters that point at them."""
    article = seed_article()
    approved = [
        make_comment(article, status=CommentStatus.APPROVED, body=f"Approved {i}") for i in range(30)
    ]
    hidden = make_comment(article, status=CommentStatus.REVIEW, body="In review")
    return {"slug": [article.slug], "id": [approved[0].pk, hidden.pk]}


def _sometimes_existing(strategy, known: dict):
    """Half of the cases get path parameters of real rows, so that the
    generated queries and bodies reach the handlers, not only the 404."""

    def point(args):
        case, use_known, pick = args
        if use_known and case.path_parameters:
            for name in case.path_parameters:
                if name in known:
                    case.path_parameters[name] = known[name][pick % len(known[name])]
        return case

    return st.tuples(strategy, st.booleans(), st.integers(0, 9)).map(point)


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
    known = _seed()
    # Unknown query parameters are ignored by design (CDNs and apps add
    # cache-busters and tracking parameters), so negative cases do not
    # invent them; every other schema violation must be refused. A valid
    # submission may also meet an Idempotency-Key already used with another
    # body (422, as the IETF Idempotency-Key draft says).
    config = SchemathesisConfig.from_dict({
        "generation": {"allow-extra-parameters": False},
        "checks": {"positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"],
        }},
    })
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    tested = []
    statuses: dict[str, set[int]] = {}
    for operation in operations:
        method = operation.method.upper()

        @settings(
            max_examples=EXAMPLES.get(method, 10),
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        # Valid requests and invalid ones (which must be refused with a
        # documented 4xx, never accepted or answered with a 5xx).
        @given(case=st.one_of(
            _sometimes_existing(operation.as_strategy(GenerationMode.POSITIVE), known),
            _sometimes_existing(operation.as_strategy(GenerationMode.NEGATIVE), known),
        ))
        def check(case):
            response = case.call_and_validate()
            statuses.setdefault(f"{case.method} {case.path}", set()).add(response.status_code)

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
    # The generated requests reached real answers, not only rejections.
    assert 200 in statuses["GET /api/articles/{slug}/comments/"]
    assert 400 in statuses["GET /api/articles/{slug}/comments/"]
    assert 202 in statuses["POST /api/articles/{slug}/comments/"]
    assert 200 in statuses["GET /api/comment-counts/"]
    assert {200, 404} <= statuses["GET /api/comments/{id}/"]
    print({op: sorted(codes) for op, codes in statuses.items()})
