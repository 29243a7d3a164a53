"""The admin app with the project's own default site (newsroom.admin)."""

from django.contrib.admin.apps import AdminConfig


class NewsroomAdminConfig(AdminConfig):
    default_site = "newsroom.admin.NewsroomAdminSite"
