from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("notices/confirm/<str:token>/", views.notice_confirm, name="notice-confirm"),
]
