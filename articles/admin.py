from django.contrib import admin

from articles.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = (
        "headline", "slug", "is_published", "published_at", "comments_open",
        "moderation_policy", "auto_close_after_days",
    )
    list_filter = ("is_published", "comments_open", "moderation_policy")
    search_fields = ("headline", "slug")
    prepopulated_fields = {"slug": ("headline",)}
    date_hierarchy = "published_at"
    fieldsets = (
        (None, {"fields": ("headline", "slug", "body", "is_published", "published_at")}),
        ("Comments", {"fields": ("comments_open", "moderation_policy", "auto_close_after_days")}),
        ("Detection thresholds", {
            "description": "Scores from 0 to 1. Empty: the site-wide setting. Below LOW nothing "
            "is flagged; from LOW a comment is flagged for review; spam at or above HIGH goes "
            "to the spam folder. Toxicity never rejects on its own.",
            "fields": (
                ("spam_threshold_low", "spam_threshold_high"),
                ("toxicity_threshold_low", "toxicity_threshold_high"),
            ),
            "classes": ("collapse",),
        }),
    )
