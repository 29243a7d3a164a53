from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.selectors import article_get_published, article_list_published
from articles.serializers import ArticleDetailOutputSerializer, ArticleOutputSerializer


class NewestFirstCursorPagination(CursorPagination):
    page_size = 20
    ordering = ("-published_at", "-id")


class ArticleListApi(ListAPIView):
    serializer_class = ArticleOutputSerializer
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self):
        return article_list_published()


class ArticleDetailApi(APIView):
    @extend_schema(responses=ArticleDetailOutputSerializer)
    def get(self, request, slug):
        article = article_get_published(slug=slug)
        return Response(ArticleDetailOutputSerializer(article).data)
