from django.db import models
from django.urls import reverse
from django.utils import timezone


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True, published_at__lte=timezone.now())


class Article(models.Model):
    slug = models.SlugField(max_length=200, unique=True)
    headline = models.CharField(max_length=300)
    body = models.TextField(help_text="Plain text, one paragraph per line.")
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(default=timezone.now, db_index=True)
    comments_open = models.BooleanField(
        default=True, help_text="Readers may post new comments."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.headline

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def paragraphs(self) -> list[str]:
        return [line.strip() for line in self.body.splitlines() if line.strip()]
