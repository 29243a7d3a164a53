from rest_framework import serializers

from articles.models import Article


class ArticleOutputSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Article
        fields = ["slug", "headline", "published_at", "comments_open", "url"]


class ArticleDetailOutputSerializer(ArticleOutputSerializer):
    paragraphs = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(ArticleOutputSerializer.Meta):
        fields = [*ArticleOutputSerializer.Meta.fields, "paragraphs"]
