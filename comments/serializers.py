"""API serializers: output-only for reads, input-only for writes."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from comments.models import Comment, DecisionReason


class CommentPublicOutputSerializer(serializers.ModelSerializer):
    """What anyone may see. Never an e-mail, an IP or moderation data."""

    article = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "article", "parent", "author_name", "body", "created_at", "approved_at"]
        read_only_fields = fields


PUBLIC_ROW_FIELDS = ("id", "parent_id", "author_name", "body", "created_at", "approved_at")


def comment_public_rows(rows, *, article_slug: str) -> list[dict]:
    """``CommentPublicOutputSerializer``'s output for rows of
    ``PUBLIC_ROW_FIELDS`` values of one article's comments: the same
    fields in the same order, without a model instance (or an Article)
    per row. Dates as DRF's DateTimeField writes them: ISO 8601 in the
    current time zone (looked up once, not per value), "Z" for UTC."""
    zone = timezone.get_current_timezone()

    def iso(value):
        if not value:
            return None
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return [
        {
            "id": row["id"],
            "article": article_slug,
            "parent": row["parent_id"],
            "author_name": row["author_name"],
            "body": row["body"],
            "created_at": iso(row["created_at"]),
            "approved_at": iso(row["approved_at"]),
        }
        for row in rows
    ]


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


class CommentCreatedOutputSerializer(serializers.Serializer):
    """What a submitter learns: the new comment's id, and ``pending``
    always. The live status would tell anyone whether an address is banned
    (its comments are rejected at once) and show a shadow-banned author the
    ban meant to be invisible to them; a replayed Idempotency-Key would
    reveal what the checks decided."""

    id = serializers.IntegerField()
    status = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "enum": ["pending"]})
    def get_status(self, comment) -> str:
        return "pending"


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


REJECT_REASON_CODES = [c for c in DecisionReason.values if c != DecisionReason.APPROVED]


class CommentRejectInputSerializer(CommentDecisionInputSerializer):
    reason_code = serializers.ChoiceField(
        choices=REJECT_REASON_CODES,
        default=DecisionReason.OTHER,
        help_text="Why: " + ", ".join(REJECT_REASON_CODES) + " (default other).",
        error_messages={
            "invalid_choice": '"{input}" is not a reason code; use one of: '
            + ", ".join(REJECT_REASON_CODES) + ".",
        },
    )


class CommentListQueryInputSerializer(serializers.Serializer):
    """Query parameters of the public comment list."""

    ordering = serializers.ChoiceField(
        choices=["oldest", "newest"], default="oldest",
        help_text="By approval time: oldest first (default) or newest first.",
    )
    since = serializers.DateTimeField(
        required=False,
        help_text="Only comments approved after this time (ISO 8601), for incremental sync.",
    )
    page_size = serializers.IntegerField(
        min_value=1, max_value=100, default=20, help_text="Comments per page (1 to 100)."
    )
    cursor = serializers.RegexField(
        r"^[A-Za-z0-9+/=]+$", max_length=1000, required=False,
        help_text="Opaque cursor from a `next` or `previous` link.",
    )


    def to_internal_value(self, data):
        # DRF reads an empty optional query parameter as "not given"; an
        # empty `since` is more likely a client bug than a wish for all.
        errors = {
            name: ["This parameter may not be empty; leave it out instead."]
            for name in self.fields
            if hasattr(data, "get") and data.get(name) == ""
        }
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class CommentPageOutputSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CommentPublicOutputSerializer(many=True)


SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"


class CommentCountsQueryInputSerializer(serializers.Serializer):
    articles = serializers.CharField(
        max_length=20000, trim_whitespace=False,
        help_text="Comma-separated article slugs, 1 to 100.",
    )

    def validate_articles(self, value):
        import re

        slugs = value.split(",")
        for slug in slugs:
            if not re.fullmatch(SLUG_PATTERN[1:-1], slug):
                raise serializers.ValidationError(f"{slug!r} is not an article slug.")
        if len(slugs) > 100:
            raise serializers.ValidationError("At most 100 article slugs at a time.")
        return list(dict.fromkeys(slugs))


class ErrorOutputSerializer(serializers.Serializer):
    detail = serializers.CharField()
