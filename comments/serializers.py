"""API serializers: output-only for reads, input-only for writes."""

from rest_framework import serializers

from comments.models import Comment, DecisionReason


class CommentPublicOutputSerializer(serializers.ModelSerializer):
    """What anyone may see. Never an e-mail, an IP or moderation data."""

    article = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "article", "parent", "author_name", "body", "created_at", "approved_at"]
        read_only_fields = fields


class CommentCreateInputSerializer(serializers.Serializer):
    author_name = serializers.CharField(max_length=100)
    author_email = serializers.EmailField(max_length=254)
    body = serializers.CharField(max_length=5000)
    notify_author = serializers.BooleanField(
        required=False, default=False,
        help_text="E-mail the author when an editor approves or rejects the comment.",
    )
    # A reply: the id of a published comment on the same article (a reply
    # to a reply attaches to its top-level comment).
    parent = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class CommentCreatedOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = ["id", "status"]


class CommentModerationOutputSerializer(serializers.ModelSerializer):
    article = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Comment
        fields = [
            "id", "article", "parent", "author_name", "author_email", "body", "status",
            "flagged", "spam_score", "toxicity_score", "reasons", "created_at",
            "checked_at", "approved_at",
        ]
        read_only_fields = fields


class CommentDecisionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CommentRejectInputSerializer(CommentDecisionInputSerializer):
    reason_code = serializers.ChoiceField(
        choices=[c for c in DecisionReason.values if c != DecisionReason.APPROVED],
        default=DecisionReason.OTHER,
    )
