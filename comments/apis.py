from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle
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
)
from comments.services import comment_approve, comment_create, comment_reject
from newsroom.api import OldestFirstCursorPagination, paginated_response
from newsroom.http import client_ip, hash_ip


class CommentListCreateApi(APIView):
    """Approved comments of an article; readers' submissions."""

    throttle_scope = "comment_submit"

    def get_throttles(self):
        if self.request.method == "POST":
            return [ScopedRateThrottle()]
        return [AnonRateThrottle(), UserRateThrottle()]

    @extend_schema(responses=CommentPublicOutputSerializer(many=True))
    def get(self, request, slug):
        article = article_get_published(slug=slug)
        return paginated_response(
            pagination_class=OldestFirstCursorPagination,
            serializer_class=CommentPublicOutputSerializer,
            queryset=comment_list_public(article=article),
            request=request,
            view=self,
        )

    @extend_schema(
        request=CommentCreateInputSerializer,
        responses={202: CommentCreatedOutputSerializer},
    )
    def post(self, request, slug):
        article = article_get_published(slug=slug)
        serializer = CommentCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = comment_create(
            article=article,
            **serializer.validated_data,
            ip_hash=hash_ip(client_ip(request)),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response(
            CommentCreatedOutputSerializer(comment).data, status=status.HTTP_202_ACCEPTED
        )


class ModerationPagination(OldestFirstCursorPagination):
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
