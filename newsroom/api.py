"""API plumbing shared by the apps: domain errors to HTTP, one paginator."""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


logger = logging.getLogger(__name__)

# Seconds a client is asked to wait when the database is unreachable.
RETRY_AFTER_SECONDS = 5
DATABASE_DOWN = "The database is unavailable; nothing was stored. Retry later."

# Service refusals about the state of something the request refers to (a
# reply to a comment that is not public): the request is well-formed, so
# 422 rather than 400.
UNPROCESSABLE_CODES = {"invalid_parent"}


def _codes(exc: DjangoValidationError) -> set[str]:
    errors = exc.error_dict.values() if hasattr(exc, "error_dict") else [exc.error_list]
    return {error.code for group in errors for error in group if error.code}


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, but JSON nested too deeply for Python's decoder
    (a ``RecursionError``, ~1,000 levels) is a 400 like any other
    malformed body, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None


def exception_handler(exc, context):
    """Map Django's ValidationError from services to a 400 (422 for the
    codes above), as Styleguide-Example's api/exception_handlers.py does.
    A database that cannot be reached is a 503 with ``Retry-After``: the
    request may be repeated as it is."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.error("API request failed: database unavailable", exc_info=exc)
        return Response(
            {"detail": DATABASE_DOWN},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, DjangoValidationError):
        unprocessable = bool(_codes(exc) & UNPROCESSABLE_CODES)
        exc = exceptions.ValidationError(as_serializer_error(exc))
        if unprocessable:
            exc.status_code = 422
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)


def paginated_response(*, pagination_class, serializer_class, queryset, request, view):
    paginator = pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    serializer = serializer_class(page, many=True, context={"request": request})
    return paginator.get_paginated_response(serializer.data)


class CommentCursorPagination(CursorPagination):
    """The public comment list's cursor pagination.

    Cursors hold a position in (approved_at, id), not an offset, so an
    insert or a removal never shifts a page. A comment approved later gets
    a later approved_at: with ``oldest`` it lands after every cursor
    handed out so far (a client walking ``next`` sees it at the end);
    with ``newest`` it lands before the first page (a client walking
    ``next`` never sees it twice nor skips an older one; it is picked up by
    a fresh first page or ``since``).
    """

    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"
    ordering = ("approved_at", "id")

    def __init__(self, *, ordering=None, page_size=None):
        if ordering is not None:
            self.ordering = ordering
        if page_size is not None:
            self.page_size = page_size

    def get_page_size(self, request):
        # Validated by the view; the query parameter is kept in links.
        return self.page_size


def conditional_json_response(request, *, body: bytes, etag: str, last_modified: float | None = None):
    """A cacheable JSON response, or a 304 when the client's copy is
    current (If-None-Match wins over If-Modified-Since, as RFC 9110 says)."""
    from django.conf import settings
    from django.http import HttpResponse
    from django.utils.cache import get_conditional_response
    from django.utils.http import http_date

    response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(int(last_modified))
    max_age = settings.API_CACHE_MAX_AGE
    response["Cache-Control"] = (
        f"public, max-age={max_age}, s-maxage={max_age}, stale-while-revalidate={max_age}"
        if max_age > 0
        # Shared caches keep it but ask every time: a 304 is cheap, and
        # nothing removed is served after its removal.
        else "public, no-cache"
    )
    return get_conditional_response(
        request,
        etag=etag,
        last_modified=int(last_modified) if last_modified is not None else None,
        response=response,
    )


_ERROR_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
    },
}
_GENERIC_ERRORS = {
    "401": "Invalid or missing credentials.",
    "403": "Not allowed (missing permission or API-key scope).",
    "404": "Not found (or not public).",
    "429": "Throttled: retry after the `Retry-After` header's seconds.",
}


def schema_add_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation can answer
    with DRF's error bodies (401, 403, 404, 429; 400 when it takes
    parameters or a body), so say so wherever a view did not."""
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code, description in _GENERIC_ERRORS.items():
                responses.setdefault(
                    code,
                    {"description": description,
                     "content": {"application/json": {"schema": _ERROR_DETAIL}}},
                )
            responses["429"].setdefault("headers", {})["Retry-After"] = {
                "description": "Seconds to wait before retrying.",
                "schema": {"type": "integer"},
            }
            if "304" in responses and "200" in responses:
                # Conditional reads (see conditional_json_response).
                headers = {
                    "ETag": {"description": "Validator for If-None-Match.",
                             "schema": {"type": "string"}, "required": True},
                    "Cache-Control": {"description": "Shared caches may store it.",
                                      "schema": {"type": "string"}, "required": True},
                    "Last-Modified": {"description": "For If-Modified-Since (lists).",
                                      "schema": {"type": "string"}},
                }
                for code in ("200", "304"):
                    responses[code].setdefault("headers", {}).update(headers)
            takes_input = operation.get("parameters") or operation.get("requestBody")
            if takes_input:
                responses.setdefault(
                    "400",
                    {"description": "Invalid input: messages per field.",
                     "content": {"application/json": {"schema": _FIELD_ERRORS}}},
                )
    _describe_char_fields(result)
    return result


# DRF's CharField refuses NUL characters and, unless blank is allowed,
# values that are only whitespace (it strips them first). Say so in the
# request schemas, so that what the schema allows the API accepts.
_NO_NUL = r"^[^\x00]*$"
_NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"


def _describe_char_fields(result) -> None:
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for param in operation.get("parameters", []) if isinstance(operation, dict) else []:
                prop = param.get("schema", {})
                if param.get("in") != "query" or prop.get("type") != "string":
                    continue
                if param.get("name") == "cursor":
                    continue  # DRF's paginators read it themselves, leniently
                if not {"format", "enum", "pattern"} & set(prop):
                    prop["pattern"] = _NOT_BLANK if prop.get("minLength", 0) >= 1 else _NO_NUL
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            continue
        for prop in component.get("properties", {}).values():
            if prop.get("type") != "string" or {"format", "enum", "pattern"} & set(prop):
                continue
            prop["pattern"] = _NOT_BLANK if prop.get("minLength", 0) >= 1 else _NO_NUL


def not_found(request, exception=None):
    """handler404: a JSON body under /api/ (e.g. a slug the URL pattern
    refuses), Django's page elsewhere."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


def bad_request(request, exception=None):
    """handler400: under /api/ a JSON body that says what was wrong (a body
    over DATA_UPLOAD_MAX_MEMORY_SIZE, a bad Host...), Django's page elsewhere."""
    from django.conf import settings
    from django.core.exceptions import RequestDataTooBig
    from django.http import JsonResponse
    from django.views.defaults import bad_request as page

    if request.path.startswith("/api/"):
        if isinstance(exception, RequestDataTooBig):
            detail = f"The request body is too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        else:
            detail = "Bad request."
        return JsonResponse({"detail": detail}, status=400)
    return page(request, exception)


def server_error(request):
    """handler500: a JSON body under /api/ (API clients parse every
    answer as JSON), Django's page elsewhere."""
    from django.http import JsonResponse
    from django.views.defaults import server_error as page_server_error

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    return page_server_error(request)
