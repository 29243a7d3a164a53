from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from newsroom import health

admin.site.site_header = "Newsroom moderation"
admin.site.site_title = "Newsroom moderation"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("articles.api_urls")),
    path("api/", include("comments.urls")),
    path("", include("articles.urls")),
]

handler404 = "newsroom.api.not_found"
