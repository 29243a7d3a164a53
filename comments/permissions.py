from rest_framework.permissions import BasePermission


class CanModerateComments(BasePermission):
    """Staff holding comments.moderate_comment (the Editors group has it)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user and user.is_authenticated and user.is_staff
            and user.has_perm("comments.moderate_comment")
        )
