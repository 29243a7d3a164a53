import json

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html

from partners.models import ApiKey, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from partners.services import api_key_generate, api_key_set_secret
from newsroom.admin import ReadOnlyAdmin


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "can_read", "can_submit", "is_active", "last_used_at")
    list_filter = ("is_active", "can_read", "can_submit")
    search_fields = ("name", "prefix")
    readonly_fields = ("prefix", "last_used_at", "created_at")
    fields = ("name", "can_read", "can_submit", "read_rate", "submit_rate", "is_active",
              "prefix", "last_used_at", "created_at")

    def save_model(self, request, obj, form, change):
        if not change:
            raw, prefix = api_key_generate()
            api_key_set_secret(key=obj, raw=raw, prefix=prefix)
            obj._raw_key = raw  # never saved: shown once, below
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """Show the new key in this response's page, once, uncached; never
        in a message (Django's messages cookie is signed, not encrypted)."""
        raw = getattr(obj, "_raw_key", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        response = TemplateResponse(
            request, "admin/partners/apikey/created.html",
            {**self.admin_site.each_context(request), "key": obj, "raw": raw, "title": "API key created"},
        )
        add_never_cache_headers(response)
        return response


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "on_approved", "on_rejected", "on_removed", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    readonly_fields = ("created_at",)
    fields = ("name", "url", "on_approved", "on_rejected", "on_removed", "is_active",
              "secret", "created_at")


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("number", "started_at", "duration_ms", "status_code", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """Read-only: the log of what was sent, and how it went."""

    list_display = ("created_at", "event", "comment_id", "endpoint", "status", "attempts", "finished_at")
    list_filter = ("status", "event", "endpoint")
    list_select_related = ("endpoint",)
    search_fields = ("comment_id", "uuid")
    show_full_result_count = False
    inlines = [WebhookAttemptInline]
    fields = ("uuid", "endpoint", "event", "comment_id", "status", "attempts",
              "created_at", "next_attempt_at", "finished_at", "payload_json")
    readonly_fields = fields

    @admin.display(description="Payload")
    def payload_json(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, ensure_ascii=False))
