import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Article",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slug", models.SlugField(max_length=200, unique=True)),
                ("headline", models.CharField(max_length=300)),
                ("body", models.TextField(help_text="Plain text, one paragraph per line.")),
                ("is_published", models.BooleanField(default=False)),
                ("published_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ("comments_open", models.BooleanField(default=True, help_text="Readers may post new comments.")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"ordering": ["-published_at"]},
        ),
    ]
