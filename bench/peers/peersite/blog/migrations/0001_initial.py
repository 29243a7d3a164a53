from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Article",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slug", models.SlugField(unique=True)),
                ("headline", models.CharField(max_length=300)),
                ("body", models.TextField()),
                ("published_at", models.DateTimeField()),
            ],
        ),
    ]
