"""Load the seed article (articles/seed/article.txt; see its README)."""

from datetime import datetime, timezone
from pathlib import Path

from django.db import migrations

SEED_FILE = Path(__file__).resolve().parent.parent / "seed" / "article.txt"
SLUG = "kremlin-condemns-stoltenberg-long-range-missiles-remarks"
HEADLINE = (
    "Kremlin condemns NATO chief Stoltenberg\u2019s remarks on Ukraine "
    "striking Russia with Western long-range missiles as \u201cdangerous\u201d"
)
# The trailing lines of the file are the page's comment section.
COMMENT_SECTION_LINES = {"Comments", "Post a Comment"}


def seed_body() -> str:
    lines = SEED_FILE.read_text(encoding="utf-8").splitlines()
    while lines and (not lines[-1].strip() or lines[-1].strip() in COMMENT_SECTION_LINES):
        lines.pop()
    return "\n".join(lines)


def load(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Article.objects.update_or_create(
        slug=SLUG,
        defaults={
            "headline": HEADLINE,
            "body": seed_body(),
            "is_published": True,
            "published_at": datetime(2024, 9, 18, 9, 0, tzinfo=timezone.utc),
            "comments_open": True,
        },
    )


def unload(apps, schema_editor):
    apps.get_model("articles", "Article").objects.filter(slug=SLUG).delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
