from django.urls import path

from comments import views

app_name = "articles"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("articles/<slug:slug>/comments/<int:pk>/edit/", views.comment_edit_view, name="comment-edit"),
    path("articles/<slug:slug>/comments/<int:pk>/delete/", views.comment_delete_view, name="comment-delete"),
    path("articles/<slug:slug>/comments/<int:pk>/report/", views.comment_report_view, name="comment-report"),
]
