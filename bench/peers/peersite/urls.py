from django.conf import settings
from django.urls import include, path

from peersite.blog import views

urlpatterns = [
    path("articles/<slug:slug>/", views.article_detail, name="article-detail"),
    path("comments/", include("django_comments_xtd.urls" if settings.PEER == "xtd" else "django_comments.urls")),
]
if settings.PEER == "xtd":
    urlpatterns.append(path("comments/api/", include("django_comments_xtd.api.urls")))
