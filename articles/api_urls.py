from django.urls import path

from articles import apis

app_name = "articles-api"
urlpatterns = [
    path("articles/", apis.ArticleListApi.as_view(), name="list"),
    path("articles/<slug:slug>/", apis.ArticleDetailApi.as_view(), name="detail"),
]
