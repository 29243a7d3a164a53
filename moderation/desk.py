"""The editors' moderation desk, inside the Django admin.

Two pages hang off proxy models so that they appear on the admin index
under Comments and keep the admin's login, look and permissions: the queue
(``ModerationQueue``) and the dashboard (``ModerationDashboard``). Only
users holding ``comments.moderate_comment`` see or use them; everyone else
gets 403. Every write is a POST through the admin's CSRF protection, goes
through ``comments.services`` (which writes the moderation event log) and
is recorded in Django's admin log as well.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from moderation.charts import bar_chart, daily_rates_chart
from moderation.selectors import QUEUES, desk_dashboard, desk_queue_cards, desk_queue_depth
from moderation.services import ban_create_for_comment, ban_normalise, queue_alert_set
from moderation.models import (
    Ban,
    BanKind,
    BanMode,
    ModerationDashboard,
    ModerationQueue,
    QueueAlert,
)
from comments.models import Comment, DecisionReason
from comments.services import (
    comment_approve,
    comment_mark_spam,
    comment_reject,
    comment_undo_decision,
)
from newsroom.admin import ReadOnlyAdmin

REJECT_REASONS = [(c.value, c.label) for c in DecisionReason if c != DecisionReason.APPROVED]
ACTIONS = {"approve": "Approved", "reject": "Rejected", "spam": "Marked as spam"}
MAX_BULK = 200

SHORTCUTS = [
    ("j / ↓", "Next comment"),
    ("k / ↑", "Previous comment"),
    ("a", "Approve"),
    ("r", "Reject… then 1–6 for the reason"),
    ("s", "Mark as spam"),
    ("o", "Open the article in a new tab"),
    ("x", "Select / unselect for a bulk decision"),
    ("Shift+A / Shift+R / Shift+S", "Approve / reject / spam the selected comments"),
    ("u", "Undo the last decision"),
    ("?", "Show or hide this list"),
]


def _can_moderate(request) -> bool:
    return request.user.is_active and request.user.is_staff and request.user.has_perm(
        "comments.moderate_comment"
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


class _DeskPageAdmin(ReadOnlyAdmin):
    """A page, not a model list: visible to moderators only."""

    def has_module_permission(self, request):
        return _can_moderate(request)

    def has_view_permission(self, request, obj=None):
        return _can_moderate(request)

    def get_model_perms(self, request):
        return {"view": _can_moderate(request)}

    def _context(self, request, title):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "app_label": self.model._meta.app_label,
        }


@admin.register(ModerationQueue)
class ModerationQueueAdmin(_DeskPageAdmin):
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("", view(self.queue_view), name="moderation_moderationqueue_changelist"),
            path("decide/", view(self.decide_view), name="moderation_moderationqueue_decide"),
            path("undo/", view(self.undo_view), name="moderation_moderationqueue_undo"),
            path("ban/", view(self.ban_view), name="moderation_moderationqueue_ban"),
        ]

    def queue_view(self, request):
        if not _can_moderate(request):
            raise PermissionDenied
        try:
            article_id = int(request.GET.get("article", "") or 0) or None
        except ValueError:
            article_id = None
        queue = request.GET.get("queue", "review")
        if queue not in QUEUES:
            queue = "review"
        cards = desk_queue_cards(article_id=article_id, queue=queue)
        context = {
            **self._context(request, "Moderation queue"),
            "cards": cards,
            "queue": queue,
            "queue_label": QUEUES[queue][0],
            "queues": [(key, label) for key, (label, _q) in QUEUES.items()],
            "depth": desk_queue_depth(queue=queue),
            "reject_reasons": REJECT_REASONS,
            "ban_kinds": BanKind.choices,
            "ban_modes": BanMode.choices,
            "shortcuts": SHORTCUTS,
            "undo_seconds": settings.MODERATION_UNDO_SECONDS,
            "decide_url": reverse("admin:moderation_moderationqueue_decide"),
            "undo_url": reverse("admin:moderation_moderationqueue_undo"),
            "ban_url": reverse("admin:moderation_moderationqueue_ban"),
        }
        return TemplateResponse(request, "admin/moderation/desk/queue.html", context)

    # --- writes ------------------------------------------------------------

    def _guard(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not _can_moderate(request):
            raise PermissionDenied
        return None

    def _ids(self, request) -> list[int]:
        raw = request.POST.getlist("ids")
        try:
            ids = [int(pk) for pk in raw]
        except ValueError:
            raise ValidationError("Comment ids must be numbers.", code="invalid")
        if not ids:
            raise ValidationError("Select at least one comment.", code="required")
        if len(ids) > MAX_BULK:
            raise ValidationError(f"Decide at most {MAX_BULK} comments at once.", code="invalid")
        return ids

    def _reply(self, request, payload: dict, status: int = 200):
        if _wants_json(request):
            return JsonResponse(payload, status=status)
        for error in payload.get("errors", []):
            self.message_user(request, error["error"] if isinstance(error, dict) else error, messages.ERROR)
        if payload.get("message"):
            self.message_user(request, payload["message"], messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:moderation_moderationqueue_changelist"))

    def _bad_request(self, request, message: str):
        return self._reply(request, {"errors": [{"id": None, "error": message}]}, status=400)

    def _each(self, request, ids, act, log_message):
        """Apply ``act`` to each comment; collect what was done and, per
        comment, why it could not be."""
        done, errors = [], []
        comments = Comment.objects.in_bulk(ids)
        for pk in ids:
            comment = comments.get(pk)
            if comment is None:
                errors.append({"id": pk, "error": f"Comment #{pk} does not exist."})
                continue
            try:
                comment = act(comment)
            except ValidationError as exc:
                errors.append({"id": pk, "error": f"#{pk}: {exc.messages[0]}"})
                continue
            self.log_change(request, comment, log_message)
            done.append({"id": pk, "status": comment.status})
        return done, errors

    def decide_view(self, request):
        refused = self._guard(request)
        if refused:
            return refused
        card = request.POST.get("card", "")
        if card:
            # The buttons of one card without JavaScript: "approve:12".
            action, _, pk = card.partition(":")
            post_ids = [pk]
            reason_code = request.POST.get(f"reason_{pk}") or request.POST.get("reason_code", "")
        else:
            action = request.POST.get("action", "")
            post_ids = None
            reason_code = request.POST.get("reason_code", "")
        if action not in ACTIONS:
            return self._bad_request(request, "Choose approve, reject or spam.")
        try:
            ids = [int(pk) for pk in post_ids] if post_ids else self._ids(request)
        except (ValueError, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else "Comment ids must be numbers."
            return self._bad_request(request, message)
        if action == "reject" and reason_code not in dict(REJECT_REASONS):
            return self._bad_request(
                request, "Choose a reason for the rejection: "
                + ", ".join(label for _code, label in REJECT_REASONS) + "."
            )
        note = request.POST.get("reason", "")[:500]

        def decide(comment):
            if action == "approve":
                return comment_approve(comment=comment, actor=request.user, reason=note)
            if action == "reject":
                return comment_reject(
                    comment=comment, actor=request.user, reason_code=reason_code, reason=note
                )
            return comment_mark_spam(comment=comment, actor=request.user, reason=note)

        suffix = f" ({reason_code})" if action == "reject" else ""
        done, errors = self._each(
            request, ids, decide, f"{ACTIONS[action]} on the moderation desk{suffix}"
        )
        verb = ACTIONS[action]
        message = f"{verb} {len(done)} comment{'s' if len(done) != 1 else ''}." if done else ""
        return self._reply(
            request,
            {
                "done": done,
                "errors": errors,
                "message": message,
                "depth": desk_queue_depth(),
                "undo_seconds": settings.MODERATION_UNDO_SECONDS,
            },
            status=200 if done or not errors else 409,
        )

    def undo_view(self, request):
        refused = self._guard(request)
        if refused:
            return refused
        try:
            ids = self._ids(request)
        except ValidationError as exc:
            return self._bad_request(request, exc.messages[0])
        done, errors = self._each(
            request,
            ids,
            lambda comment: comment_undo_decision(comment=comment, actor=request.user),
            "Undid the last decision on the moderation desk",
        )
        message = f"Undone: {len(done)} decision{'s' if len(done) != 1 else ''}." if done else ""
        return self._reply(
            request,
            {"done": done, "errors": errors, "message": message, "depth": desk_queue_depth()},
            status=200 if done else 409,
        )

    def ban_view(self, request):
        refused = self._guard(request)
        if refused:
            return refused
        if not request.user.has_perm("moderation.add_ban"):
            raise PermissionDenied
        try:
            comment = Comment.objects.get(pk=int(request.POST.get("id", "")))
        except (ValueError, Comment.DoesNotExist):
            return self._bad_request(request, "That comment does not exist.")
        kind = request.POST.get("kind", "")
        if kind not in BanKind.values:
            return self._bad_request(request, "Choose what to ban: e-mail address, e-mail domain or IP address.")
        try:
            ban = ban_create_for_comment(
                comment=comment, kind=kind, actor=request.user,
                mode=request.POST.get("mode", BanMode.REJECT),
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as exc:
            return self._bad_request(request, exc.messages[0])
        self.log_addition(request, ban, f"Banned from comment #{comment.pk} on the moderation desk")
        return self._reply(request, {"done": [{"id": comment.pk}], "errors": [], "message": f"Banned {ban}."})


class QueueAlertForm(forms.Form):
    threshold = forms.IntegerField(
        min_value=1, required=False, label="Mail me when the queue passes",
        help_text="comments awaiting review. Leave empty to stop the alerts.",
    )


@admin.register(ModerationDashboard)
class ModerationDashboardAdmin(_DeskPageAdmin):
    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("", view(self.dashboard_view), name="moderation_moderationdashboard_changelist")]

    def dashboard_view(self, request):
        if not _can_moderate(request):
            raise PermissionDenied
        current = QueueAlert.objects.filter(user=request.user).first()
        if request.method == "POST":
            form = QueueAlertForm(request.POST)
            if form.is_valid():
                threshold = form.cleaned_data["threshold"]
                queue_alert_set(user=request.user, threshold=threshold)
                self.log_change(
                    request, request.user,
                    f"Queue alert set to {threshold}" if threshold else "Queue alert turned off",
                )
                if threshold:
                    note = f"You will be mailed when the queue passes {threshold} comments."
                    if not request.user.email:
                        note += " Add an e-mail address to your account first."
                else:
                    note = "Queue alerts turned off."
                self.message_user(request, note, messages.SUCCESS)
                return HttpResponseRedirect(request.path)
        else:
            form = QueueAlertForm(initial={"threshold": current.threshold if current else None})
        try:
            days = min(max(int(request.GET.get("days", 14)), 1), 90)
        except ValueError:
            days = 14
        stats = desk_dashboard(days=days)
        context = {
            **self._context(request, "Moderation dashboard"),
            "stats": stats,
            "editors_chart": bar_chart(
                [(row["actor__username"], row["n"]) for row in stats["per_editor"]]
            ),
            "rates_chart": daily_rates_chart(stats["rates"]),
            "alert_form": form,
            "alert": current,
        }
        return TemplateResponse(request, "admin/moderation/desk/dashboard.html", context)


class BanForm(forms.ModelForm):
    target = forms.CharField(
        max_length=254, label="Address, domain or IP",
        help_text="An e-mail address, a domain such as example.com, or an IP "
        "address (stored only as a keyed hash, never as typed).",
    )

    class Meta:
        model = Ban
        fields = ["kind", "target", "mode", "reason", "expires_at"]

    def clean(self):
        cleaned = super().clean()
        kind, target = cleaned.get("kind"), cleaned.get("target")
        if kind and target:
            try:
                stored, label = ban_normalise(kind=kind, value=target)
            except ValidationError as exc:
                self.add_error("target", exc)
            else:
                if Ban.objects.filter(kind=kind, value=stored).exists():
                    self.add_error("target", f"{label} is already banned.")
                self.instance.value, self.instance.label = stored, label
        return cleaned


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "mode", "reason", "expires_at", "created_by", "created_at")
    list_filter = ("kind", "mode")
    search_fields = ("label", "reason")
    list_select_related = ("created_by",)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = BanForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "target", "mode", "reason", "expires_at"]
        return ["kind", "label", "mode", "reason", "expires_at", "created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["kind", "label", "created_by", "created_at"] if obj else []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
