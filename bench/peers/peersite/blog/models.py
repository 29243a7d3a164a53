from django.db import models
from django.urls import reverse


class Article(models.Model):
    slug = models.SlugField(unique=True)
    headline = models.CharField(max_length=300)
    body = models.TextField()
    published_at = models.DateTimeField()

    def __str__(self):
        return self.headline

    def get_absolute_url(self):
        return reverse("article-detail", kwargs={"slug": self.slug})


def premoderate(sender, comment, request, **kwargs):
    """Hold new comments for moderation, as newsroom does: the article's
    public list stays the same however many comments the benchmark posts."""
    comment.is_public = False
    return True
