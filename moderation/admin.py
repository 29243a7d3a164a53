"""The editors' admin for comments: the changelist with scores and reasons,
the change page with approve / reject, the event log and readers' reports.
The desk pages (queue, dashboard, bans) are in ``moderation.desk``."""

from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from comments.models import Comment, CommentReport, DecisionReason, ModerationEvent
from comments.selectors import comment_event_list
from comments.services import comment_approve, comment_reject
from newsroom.admin import ReadOnlyAdmin


def _score(value):
    return "–" if value is None else f"{value:.2f}"


def _spans_note(reason: dict) -> str:
    """The words after a reason, as " (idiot, moron)", unless its message already quotes them all."""
    spans = reason.get("spans") or []
    message = reason.get("message", "").lower()
    if not spans or all(span.lower() in message for span in spans):
        return ""
    return f" ({', '.join(spans)})"


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = (
        "status_flag", "article_link", "author_name", "excerpt",
        "spam", "toxicity", "reason_list", "created_at",
    )
    list_display_links = ("excerpt",)
    list_filter = ("status", "flagged", "article")
    search_fields = ("body", "author_name", "author_email")
    list_select_related = ("article",)
    list_per_page = 50
    # One COUNT(*) less per page on a large table.
    show_full_result_count = False
    ordering = ("-flagged", "-risk", "created_at")
    actions = ["approve_comments", "reject_as_spam", "reject_as_toxic", "reject_as_off_topic", "reject_comments"]
    readonly_fields = (
        "article", "parent", "author_name", "author_email", "body_text", "status",
        "flagged", "spam", "toxicity", "reason_list", "created_at", "checked_at",
        "approved_at", "history",
    )
    fieldsets = (
        (None, {"fields": ("article", "parent", "author_name", "author_email", "body_text")}),
        ("Moderation", {"fields": (
            "status", "flagged", "spam", "toxicity", "reason_list",
            "created_at", "checked_at", "approved_at",
        )}),
        ("History", {"fields": ("history",)}),
    )
    change_form_template = "admin/comments/comment/change_form.html"

    class Media:
        css = {"all": ("moderation/admin-comments.css",)}

    # Comments come from readers; editors decide, they do not write them.
    def has_add_permission(self, request):
        return False

    def has_moderate_permission(self, request):
        return request.user.has_perm("comments.moderate_comment")

    @admin.display(description="Status", ordering="status")
    def status_flag(self, obj):
        if not obj.flagged:
            return obj.get_status_display()
        return format_html('{}<br><strong class="flag">\u26a0 Flagged toxic</strong>', obj.get_status_display())

    @admin.display(description="Article", ordering="article__headline")
    def article_link(self, obj):
        headline = obj.article.headline
        return headline if len(headline) <= 48 else headline[:47] + "\u2026"

    @admin.display(description="Spam", ordering="spam_score")
    def spam(self, obj):
        return _score(obj.spam_score)

    @admin.display(description="Toxicity", ordering="toxicity_score")
    def toxicity(self, obj):
        return _score(obj.toxicity_score)

    @admin.display(description="Reasons")
    def reason_list(self, obj):
        if not obj.reasons:
            return "–"
        return format_html_join(
            "", '<div class="reason"><span class="reason-head">{}:</span> {}{}</div>',
            ((r.get("head", ""), r.get("message", ""), _spans_note(r)) for r in obj.reasons),
        )

    @admin.display(description="Comment")
    def body_text(self, obj):
        return format_html('<div style="white-space: pre-wrap; max-width: 50em">{}</div>', obj.body)

    @admin.display(description="Moderation history")
    def history(self, obj):
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{} → {}</td><td>{}</td></tr>",
            (
                (e.created_at.strftime("%Y-%m-%d %H:%M:%S"), e.actor or "system",
                 e.from_status or "–", e.to_status, e.reason)
                for e in comment_event_list(comment=obj)
            ),
        )
        return format_html(
            "<table><thead><tr><th>When</th><th>Who</th><th>Change</th>"
            "<th>Why</th></tr></thead><tbody>{}</tbody></table>", rows
        )

    def _decide_many(self, request, queryset, decide, verb):
        done = failed = 0
        for comment in queryset:
            try:
                decide(comment=comment, actor=request.user)
                done += 1
            except ValidationError as exc:
                failed += 1
                self.message_user(request, f"#{comment.pk}: {exc.messages[0]}", messages.ERROR)
        if done:
            self.message_user(request, f"{verb} {done} comment(s).", messages.SUCCESS)

    @admin.action(description="Approve selected comments", permissions=["moderate"])
    def approve_comments(self, request, queryset):
        self._decide_many(request, queryset, comment_approve, "Approved")

    # A rejection's reason is a label the detectors learn from, so the
    # changelist offers one action per reason that teaches them something.
    def _reject_many(self, request, queryset, reason_code):
        self._decide_many(request, queryset, partial(comment_reject, reason_code=reason_code), "Rejected")

    @admin.action(description="Reject selected comments as spam", permissions=["moderate"])
    def reject_as_spam(self, request, queryset):
        self._reject_many(request, queryset, DecisionReason.SPAM)

    @admin.action(description="Reject selected comments as toxic or abusive", permissions=["moderate"])
    def reject_as_toxic(self, request, queryset):
        self._reject_many(request, queryset, DecisionReason.TOXIC)

    @admin.action(description="Reject selected comments as off-topic", permissions=["moderate"])
    def reject_as_off_topic(self, request, queryset):
        self._reject_many(request, queryset, DecisionReason.OFF_TOPIC)

    @admin.action(description="Reject selected comments (other reason)", permissions=["moderate"])
    def reject_comments(self, request, queryset):
        self._reject_many(request, queryset, DecisionReason.OTHER)

    # Approve / reject buttons on the change page.
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/approve/", view(self.decide_view), {"decide": comment_approve, "verb": "Approved"}, name="comments_comment_approve"),
            path("<int:pk>/reject/", view(self.decide_view), {"decide": comment_reject, "verb": "Rejected"}, name="comments_comment_reject"),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk, decide, verb):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        comment = get_object_or_404(Comment, pk=pk)
        extra = {}
        if decide is comment_reject:
            # Every rejection carries a reason code (the change page asks).
            extra["reason_code"] = request.POST.get("reason_code") or "other"
        try:
            decide(comment=comment, actor=request.user, reason=request.POST.get("reason", "")[:500], **extra)
        except ValidationError as exc:
            self.message_user(request, exc.messages[0], messages.ERROR)
        else:
            self.message_user(request, f"{verb} comment #{pk}.", messages.SUCCESS)
        return redirect(reverse("admin:comments_comment_change", args=[pk]))


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnlyAdmin):
    """The append-only log: readable, never editable."""

    list_display = (
        "created_at", "comment_id", "actor", "from_status", "to_status", "reason_code", "reason",
    )
    list_filter = ("to_status", "reason_code")
    list_select_related = ("actor",)
    search_fields = ("reason", "comment__id")


@admin.register(CommentReport)
class CommentReportAdmin(admin.ModelAdmin):
    """Readers' reports, for editors to read; they are never edited."""

    list_display = ("created_at", "comment_link", "reason")
    list_filter = ("reason",)
    list_select_related = ("comment",)
    search_fields = ("comment__id", "comment__body")
    show_full_result_count = False
    fields = ("comment", "reason", "created_at")
    readonly_fields = fields

    @admin.display(description="Comment")
    def comment_link(self, obj):
        url = reverse("admin:comments_comment_change", args=[obj.comment_id])
        return format_html('<a href="{}">#{} {}</a>', url, obj.comment_id, obj.comment.excerpt)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The editors' moderation desk: queue, dashboard and bans.
from moderation import desk  # noqa: E402,F401
