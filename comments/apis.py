"""The comments API: the public read and submit endpoints, and the
editors' moderation endpoints.

Who may call the public endpoints, and how often, is wired in settings
(``COMMENTS_API_AUTHENTICATION``, ``COMMENTS_API_PERMISSIONS``,
``COMMENTS_API_*_THROTTLES``): the partners app supplies API keys and their
throttles there, without this module importing it.
"""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.module_loading import import_string
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.selectors import article_get_published
from comments.models import Comment, CommentStatus
from comments.permissions import CanModerateComments
from comments.selectors import comment_list_for_moderation, comment_list_public
from comments.serializers import (
    CommentCreatedOutputSerializer,
    CommentCreateInputSerializer,
    CommentDecisionInputSerializer,
    CommentModerationOutputSerializer,
    CommentPublicOutputSerializer,
    CommentRejectInputSerializer,
    PUBLIC_ROW_FIELDS,
    comment_public_rows,
)
from comments.services import comment_approve, comment_create, comment_reject
from newsroom.api import paginated_response
from newsroom.http import client_ip, hash_ip

# --- Public API (partners' keys, HTTP caching) ---------------------------------
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer

from comments.public_cache import cached_page, etag_of as body_etag
from comments.selectors import comment_count_public, comment_get_public
from comments.serializers import (
    CommentCountsQueryInputSerializer,
    CommentListQueryInputSerializer,
    CommentPageOutputSerializer,
    SLUG_PATTERN,
    ErrorOutputSerializer,
)
from comments.services import (
    IDEMPOTENCY_KEY_PATTERN,
    IdempotencyConflict,
    comment_create_idempotent,
    idempotency_scope,
    validate_idempotency_key,
)
from newsroom.api import CommentCursorPagination, SafeJSONParser, conditional_json_response


def _classes(setting: str) -> list[type]:
    return [import_string(path) for path in getattr(settings, setting)]


PUBLIC_AUTHENTICATION = _classes("COMMENTS_API_AUTHENTICATION")
PUBLIC_PERMISSIONS = _classes("COMMENTS_API_PERMISSIONS")


def public_read_throttles():
    return [cls() for cls in _classes("COMMENTS_API_READ_THROTTLES")]


def public_submit_throttles():
    return [cls() for cls in _classes("COMMENTS_API_SUBMIT_THROTTLES")]


def client_identity(request) -> str:
    """Who is submitting, for Idempotency-Key scoping: the user, the API
    key (``request.auth`` of an anonymous request), or the keyed hash of
    the client's IP address."""
    if request.user and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if request.auth is not None:
        return f"key:{request.auth.pk}"
    return f"ip:{hash_ip(client_ip(request))}"

def api_signals(request) -> dict:
    """What the API knows of a submitter, stored with the comment for the
    checks and the editors as the form's signals are: that it came over the
    API, as whom (a key, a user, or nobody), and whether it named its
    client software."""
    client = client_identity(request).split(":", 1)[0]
    signals = {"via": "api", "client": {"key": "api_key", "user": "user"}.get(client, "anonymous")}
    if not request.headers.get("User-Agent", "").strip():
        signals["no_user_agent"] = True
    return signals


ERRORS = {code: ErrorOutputSerializer for code in (401, 403, 404, 429)}
ERRORS[400] = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {
            "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
        },
    },
    description="Invalid parameters or body: messages per field, or a `detail` "
    "message when the body cannot be parsed.",
)


class CommentListCreateApi(APIView):
    """Approved comments of an article; readers' and partners' submissions."""

    throttle_scope = "comment_submit"
    authentication_classes = PUBLIC_AUTHENTICATION
    permission_classes = PUBLIC_PERMISSIONS
    renderer_classes = [JSONRenderer]
    # Submissions are JSON: a form encoding cannot say `"parent": null`.
    parser_classes = [SafeJSONParser]
    api_key_scope = {"GET": "read", "POST": "submit"}

    def get_throttles(self):
        if self.request.method == "POST":
            return public_submit_throttles()
        return public_read_throttles()

    @extend_schema(
        parameters=[CommentListQueryInputSerializer],
        responses={200: CommentPageOutputSerializer, 304: None, **ERRORS},
    )
    def get(self, request, slug):
        article = article_get_published(slug=slug)
        query = CommentListQueryInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        ordering = ("approved_at", "id") if params["ordering"] == "oldest" else ("-approved_at", "-id")

        def build() -> bytes:
            # Only the columns the page shows, as plain rows: the article is
            # the one in hand, not an instance per comment.
            queryset = comment_list_public(article=article).select_related(None).values(*PUBLIC_ROW_FIELDS)
            if params.get("since"):
                queryset = queryset.filter(approved_at__gt=params["since"])
            paginator = CommentCursorPagination(ordering=ordering, page_size=params["page_size"])
            rows = paginator.paginate_queryset(queryset, request, view=self)
            response = paginator.get_paginated_response(comment_public_rows(rows, article_slug=article.slug))
            return JSONRenderer().render(response.data)

        # Links in the page are absolute: the host is part of the variant.
        variant = "|".join(
            [request.scheme, request.get_host(), params["ordering"],
             params["since"].isoformat() if params.get("since") else "",
             str(params["page_size"]), params.get("cursor", "")]
        )
        body, etag, last_modified = cached_page(article_id=article.pk, variant=variant, build=build)
        return conditional_json_response(request, body=body, etag=etag, last_modified=last_modified)

    @extend_schema(
        request=CommentCreateInputSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key", location=OpenApiParameter.HEADER, required=False,
                type={"type": "string", "minLength": 1, "maxLength": 255,
                      "pattern": IDEMPOTENCY_KEY_PATTERN},
                description="A retried request with the same key returns the same "
                "comment and creates none (1 to 255 printable ASCII characters).",
            )
        ],
        responses={
            202: OpenApiResponse(
                response=CommentCreatedOutputSerializer,
                description="Stored; the answer is always `pending`, whatever the "
                "checks or a ban decide. `Idempotent-Replayed: true` when an "
                "earlier request with the same Idempotency-Key created it.",
            ),
            **ERRORS,
            422: OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description="The Idempotency-Key was used with a different request "
                '(`{"detail": "..."}`), or `parent` is not a published comment on '
                'this article (`{"parent": ["..."]}`).',
            ),
        },
    )
    def post(self, request, slug):
        article = article_get_published(slug=slug)
        serializer = CommentCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def create():
            return comment_create(
                article=article,
                **serializer.validated_data,
                ip_hash=hash_ip(client_ip(request)),
                user_agent=request.headers.get("User-Agent", ""),
                signals=api_signals(request),
            )

        idempotency_key = request.headers.get("Idempotency-Key")
        replayed = False
        if idempotency_key is None:
            comment = create()
        else:
            try:
                comment, replayed = comment_create_idempotent(
                    article=article,
                    data=serializer.validated_data,
                    client=idempotency_scope(
                        client=client_identity(request), article=article, data=serializer.validated_data
                    ),
                    idempotency_key=validate_idempotency_key(idempotency_key),
                    create=create,
                )
            except IdempotencyConflict as exc:
                return Response({"detail": str(exc)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        response = Response(
            CommentCreatedOutputSerializer(comment).data, status=status.HTTP_202_ACCEPTED
        )
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class CommentDetailApi(APIView):
    """One approved comment; 404 for anything else."""

    authentication_classes = PUBLIC_AUTHENTICATION
    permission_classes = PUBLIC_PERMISSIONS
    renderer_classes = [JSONRenderer]

    def get_throttles(self):
        return public_read_throttles()

    @extend_schema(responses={200: CommentPublicOutputSerializer, 304: None, **ERRORS})
    def get(self, request, pk):
        comment = comment_get_public(pk=pk)
        if comment is None:
            raise Http404
        body = JSONRenderer().render(CommentPublicOutputSerializer(comment).data)
        return conditional_json_response(request, body=body, etag=body_etag(body))


class CommentCountsApi(APIView):
    """Approved comments per article, for many articles in one request."""

    authentication_classes = PUBLIC_AUTHENTICATION
    permission_classes = PUBLIC_PERMISSIONS
    renderer_classes = [JSONRenderer]

    def get_throttles(self):
        return public_read_throttles()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "articles",
                type={
                    "type": "array", "minItems": 1, "maxItems": 100,
                    "items": {"type": "string", "pattern": SLUG_PATTERN},
                },
                style="form", explode=False, required=True,
                description="Comma-separated article slugs, 1 to 100.",
            )
        ],
        responses={
            200: OpenApiResponse(
                response={"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
                description="Approved comments per slug; 0 for unknown or unpublished articles.",
            ),
            304: None,
            **ERRORS,
        },
    )
    def get(self, request):
        query = CommentCountsQueryInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        counts = comment_count_public(slugs=query.validated_data["articles"])
        body = JSONRenderer().render(counts)
        return conditional_json_response(request, body=body, etag=body_etag(body))


class ModerationPagination(CursorPagination):
    """Editors' order (comment_list_for_moderation): flagged, riskiest, oldest."""

    page_size = 20
    ordering = ("-flagged", "-risk", "created_at", "id")


class CommentModerationListApi(APIView):
    permission_classes = [CanModerateComments]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", enum=CommentStatus.values),
            OpenApiParameter("article", description="Article slug"),
        ],
        responses=CommentModerationOutputSerializer(many=True),
    )
    def get(self, request):
        wanted = request.query_params.get("status") or None
        if wanted and wanted not in CommentStatus.values:
            return Response(
                {"status": [f"Must be one of: {', '.join(CommentStatus.values)}."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return paginated_response(
            pagination_class=ModerationPagination,
            serializer_class=CommentModerationOutputSerializer,
            queryset=comment_list_for_moderation(
                status=wanted, article_slug=request.query_params.get("article") or None
            ),
            request=request,
            view=self,
        )


class CommentModerationDetailApi(APIView):
    permission_classes = [CanModerateComments]

    @extend_schema(responses=CommentModerationOutputSerializer)
    def get(self, request, pk):
        comment = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
        return Response(CommentModerationOutputSerializer(comment).data)


class CommentApproveApi(APIView):
    permission_classes = [CanModerateComments]

    @extend_schema(request=CommentDecisionInputSerializer, responses=CommentModerationOutputSerializer)
    def post(self, request, pk):
        serializer = CommentDecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = comment_approve(
            comment=get_object_or_404(Comment, pk=pk), actor=request.user, **serializer.validated_data
        )
        return Response(CommentModerationOutputSerializer(comment).data)


class CommentRejectApi(APIView):
    permission_classes = [CanModerateComments]

    @extend_schema(request=CommentRejectInputSerializer, responses=CommentModerationOutputSerializer)
    def post(self, request, pk):
        serializer = CommentRejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = comment_reject(
            comment=get_object_or_404(Comment, pk=pk), actor=request.user, **serializer.validated_data
        )
        return Response(CommentModerationOutputSerializer(comment).data)
