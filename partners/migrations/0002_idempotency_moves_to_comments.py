"""IdempotencyRecord moves to ``comments`` with its table (state only)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('partners', '0001_initial'),
        ('comments', '0047_move_models_to_detection_and_moderation'),
    ]

    operations = [
        # State only: the tables stay where they are, with their data.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='IdempotencyRecord',
                ),
            ],
        ),
    ]
