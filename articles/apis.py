from django.conf import settings
from django.utils.module_loading import import_string
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.selectors import article_get_published, article_list_published
from articles.serializers import ArticleDetailOutputSerializer, ArticleOutputSerializer


def _classes(setting: str) -> list[type]:
    return [import_string(path) for path in getattr(settings, setting)]


class PublicApiMixin:
    """The same callers, scopes and throttles as the public comment API
    (the COMMENTS_API_* settings): API keys are checked (a revoked key is a
    401) and counted, anonymous clients throttled per client."""

    def get_authenticators(self):
        return [cls() for cls in _classes("COMMENTS_API_AUTHENTICATION")]

    def get_permissions(self):
        return [cls() for cls in _classes("COMMENTS_API_PERMISSIONS")]

    def get_throttles(self):
        return [cls() for cls in _classes("COMMENTS_API_READ_THROTTLES")]


class NewestFirstCursorPagination(CursorPagination):
    page_size = 20
    ordering = ("-published_at", "-id")


class ArticleListApi(PublicApiMixin, ListAPIView):
    serializer_class = ArticleOutputSerializer
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self):
        return article_list_published()


class ArticleDetailApi(PublicApiMixin, APIView):
    @extend_schema(responses=ArticleDetailOutputSerializer)
    def get(self, request, slug):
        article = article_get_published(slug=slug)
        return Response(ArticleDetailOutputSerializer(article).data)
