"""Editors' term and domain lists, and the trained detector versions."""

from django.contrib import admin, messages
from django.utils.html import format_html_join

from detection.classifiers.terms import lists_changed
from detection.models import DetectorVersion, DomainRule, Term
from detection.versions import detectors_activate


class _ListAdmin(admin.ModelAdmin):
    """Editors' lists: every change tells the checkers to recompile."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        lists_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        lists_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        lists_changed()


@admin.register(DomainRule)
class DomainRuleAdmin(_ListAdmin):
    list_display = ("domain", "action", "note", "created_at")
    list_filter = ("action",)
    search_fields = ("domain", "note")


@admin.register(Term)
class TermAdmin(_ListAdmin):
    list_display = ("text", "head", "weight", "is_active", "created_at")
    list_filter = ("head", "is_active")
    list_editable = ("weight", "is_active")
    search_fields = ("text",)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        lists_changed()


@admin.register(DetectorVersion)
class DetectorVersionAdmin(admin.ModelAdmin):
    """Trained versions of the detectors: read their evaluation, make one
    live, or delete old ones. Training happens in `train_detectors`."""

    list_display = ("version", "is_active", "created_at", "activated_at", "verdict")
    readonly_fields = ("version", "is_active", "created_at", "activated_at", "evaluation_notes", "note")
    fields = readonly_fields
    actions = ["make_live"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Evaluation")
    def verdict(self, obj):
        notes = obj.evaluation.get("notes", [])
        return notes[-1] if notes else "–"

    @admin.display(description="Evaluation against the live version")
    def evaluation_notes(self, obj):
        return format_html_join("", "<div>{}</div>", ((n,) for n in obj.evaluation.get("notes", [])))

    def get_queryset(self, request):
        return super().get_queryset(request).defer("archive")

    @admin.action(description="Make the selected version live", permissions=["change"])
    def make_live(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to make live.", messages.ERROR)
            return
        try:
            detectors_activate(version=queryset.get())
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"Detectors now live: {queryset.get().version}.", messages.SUCCESS)
