from django.db import models
from django.urls import reverse
from django.utils import timezone


class ArticleQuerySet(models.QuerySet):
    def published(self):
        # The same rule as Article.is_public_now(), for a list.
        return self.filter(is_published=True, published_at__lte=timezone.now())


class ModerationPolicy(models.TextChoices):
    PREMODERATE = "premoderate", "Pre-moderate every comment"
    TRUSTED_PUBLISH = "trusted", "Publish trusted commenters at once"


class Article(models.Model):
    slug = models.SlugField(max_length=200, unique=True)
    headline = models.CharField(max_length=300)
    body = models.TextField(
        help_text="Plain text, one paragraph per line; *italics* or _italics_ and **bold**."
    )
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(default=timezone.now, db_index=True)
    comments_open = models.BooleanField(
        default=True, help_text="Readers may post new comments."
    )
    moderation_policy = models.CharField(
        max_length=12,
        choices=ModerationPolicy.choices,
        default=ModerationPolicy.PREMODERATE,
    )
    auto_close_after_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Close comments this many days after publication. Empty: never.",
    )
    # Per-article overrides of MODERATION_THRESHOLDS; empty means the setting.
    spam_threshold_low = models.FloatField(null=True, blank=True)
    spam_threshold_high = models.FloatField(null=True, blank=True)
    toxicity_threshold_low = models.FloatField(null=True, blank=True)
    toxicity_threshold_high = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.headline

    def is_public_now(self, now=None) -> bool:
        """Readers may see it: published, and its time has come (the same
        rule as ArticleQuerySet.published(), for one article in hand)."""
        return self.is_published and self.published_at <= (now or timezone.now())

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        for head in ("spam", "toxicity"):
            for band in ("low", "high"):
                name = f"{head}_threshold_{band}"
                value = getattr(self, name)
                if value is not None and not 0 <= value <= 1:
                    errors[name] = "A threshold is a score from 0 to 1."
            if not errors:
                low, high = self.thresholds(head)
                if low > high:
                    errors[f"{head}_threshold_low"] = (
                        f"The low {head} threshold ({low}) is above the high one ({high})."
                    )
        if errors:
            raise ValidationError(errors)

    def thresholds(self, head: str) -> tuple[float, float]:
        """(low, high) score thresholds for "spam" or "toxicity"."""
        from django.conf import settings

        low, high = settings.MODERATION_THRESHOLDS[head]
        own_low = getattr(self, f"{head}_threshold_low")
        own_high = getattr(self, f"{head}_threshold_high")
        return (low if own_low is None else own_low, high if own_high is None else own_high)

    @property
    def paragraphs(self) -> list[str]:
        """Plain text, one string per paragraph, emphasis markers removed."""
        from articles.text import paragraph_plain, paragraphs

        return [paragraph_plain(p) for p in paragraphs(self.body)]

    @property
    def body_html(self) -> str:
        """The body as sanitised HTML paragraphs, emphasis rendered."""
        from articles.text import body_html

        return body_html(self.body)
