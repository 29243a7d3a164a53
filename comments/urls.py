from django.urls import path

from comments import apis

app_name = "comments-api"
urlpatterns = [
    path("articles/<slug:slug>/comments/", apis.CommentListCreateApi.as_view(), name="list"),
    path("moderation/comments/", apis.CommentModerationListApi.as_view(), name="moderation-list"),
    path("moderation/comments/<int:pk>/", apis.CommentModerationDetailApi.as_view(), name="moderation-detail"),
    path("moderation/comments/<int:pk>/approve/", apis.CommentApproveApi.as_view(), name="moderation-approve"),
    path("moderation/comments/<int:pk>/reject/", apis.CommentRejectApi.as_view(), name="moderation-reject"),
]

urlpatterns += [
    path("comments/<int:pk>/", apis.CommentDetailApi.as_view(), name="detail"),
    path("comment-counts/", apis.CommentCountsApi.as_view(), name="counts"),
]
