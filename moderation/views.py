"""The one public page of the moderation app: confirming an address for
commenters' notices (double opt-in)."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from moderation.services import notice_address_confirm


@require_http_methods(["GET", "POST"])
def notice_confirm(request, token):
    """GET shows a button, POST confirms: a mail scanner that follows the
    link confirms nothing."""
    context = {"token": token, "done": False, "error": ""}
    status = 200
    if request.method == "POST":
        try:
            notice_address_confirm(token=token)
        except ValidationError as exc:
            context["error"] = exc.messages[0]
            status = 400
        else:
            context["done"] = True
    return render(request, "moderation/notice_confirm.html", context, status=status)
