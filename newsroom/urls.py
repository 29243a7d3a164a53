from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic.base import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from newsroom import health

admin.site.site_header = "Newsroom moderation"
admin.site.site_title = "Newsroom moderation"


def _moved(app: str, models: str):
    """Admin pages of models that moved out of ``comments`` (bookmarks and
    links in old mails keep working): a permanent redirect to the new app,
    with the rest of the path and the query string."""
    return re_path(
        rf"^admin/comments/(?P<model>{models})/(?P<rest>.*)$",
        RedirectView.as_view(url=f"/admin/{app}/%(model)s/%(rest)s", permanent=True, query_string=True),
    )


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    _moved("detection", "term|domainrule|detectorversion"),
    _moved("moderation", "ban|queuealert|moderationqueue|moderationdashboard"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("articles.api_urls")),
    path("api/", include("comments.urls")),
    path("", include("moderation.urls")),
    path("", include("comments.page_urls")),
]

handler400 = "newsroom.api.bad_request"
handler404 = "newsroom.api.not_found"
handler500 = "newsroom.api.server_error"
