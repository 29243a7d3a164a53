from rest_framework import serializers

from articles.models import Article
from articles.selectors import article_accepts_comments


class ArticleOutputSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    comments_open = serializers.SerializerMethodField(
        help_text="Whether a comment posted now is accepted (false once the auto-close time has passed)."
    )

    def get_comments_open(self, article) -> bool:
        return article_accepts_comments(article=article)

    class Meta:
        model = Article
        fields = ["slug", "headline", "published_at", "comments_open", "url"]


class ArticleDetailOutputSerializer(ArticleOutputSerializer):
    paragraphs = serializers.ListField(
        child=serializers.CharField(), read_only=True,
        help_text="The body as plain text, one string per paragraph (emphasis markers removed).",
    )
    body_html = serializers.CharField(
        read_only=True,
        help_text="The body as sanitised HTML: <p> paragraphs with <em> and <strong> only.",
    )

    class Meta(ArticleOutputSerializer.Meta):
        fields = [*ArticleOutputSerializer.Meta.fields, "paragraphs", "body_html"]
