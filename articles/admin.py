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
