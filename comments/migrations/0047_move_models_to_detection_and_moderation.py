"""Bans, queue alerts and the desk pages move to ``moderation``; term and
domain lists and detector versions to ``detection``; the Idempotency-Key
records come here from ``partners``. Tables keep their names and data (state
only); content types are relabelled so that permissions follow."""

import django.db.models.deletion
from django.db import migrations, models


MOVED = {
    ("comments", "domainrule"): "detection",
    ("comments", "term"): "detection",
    ("comments", "detectorversion"): "detection",
    ("comments", "ban"): "moderation",
    ("comments", "queuealert"): "moderation",
    ("comments", "moderationqueue"): "moderation",
    ("comments", "moderationdashboard"): "moderation",
    ("partners", "idempotencyrecord"): "comments",
}


def _move_content_types(apps, moves):
    """Relabel the content types, so that the permissions groups and users
    hold (and the admin log) follow the models to their new app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for (old_app, model), new_app in moves.items():
        old = ContentType.objects.filter(app_label=old_app, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=new_app, model=model).first()
        if new is None:
            old.app_label = new_app
            old.save(update_fields=["app_label"])
            continue
        # Both exist (the new one made by an earlier post_migrate): hand the
        # old permissions' holders to the new ones, then drop the old type.
        for perm in Permission.objects.filter(content_type=old):
            target = Permission.objects.filter(content_type=new, codename=perm.codename).first()
            if target is None:
                perm.content_type = new
                perm.save(update_fields=["content_type"])
                continue
            for group in perm.group_set.all():
                group.permissions.add(target)
            for user in perm.user_set.all():
                user.user_permissions.add(target)
        old.delete()


def forwards(apps, schema_editor):
    _move_content_types(apps, MOVED)


def backwards(apps, schema_editor):
    _move_content_types(apps, {(new, model): old for (old, model), new in MOVED.items()})


class Migration(migrations.Migration):

    dependencies = [
        ('comments', '0046_seed_source_domains'),
        ('detection', '0001_initial'),
        ('moderation', '0001_initial'),
        ('partners', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        # State only: the tables stay where they are, with their data.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='IdempotencyRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('client', models.CharField(max_length=80)),
                        ('key', models.CharField(max_length=255)),
                        ('request_hash', models.CharField(max_length=64)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('comment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='comments.comment')),
                    ],
                    options={
                        'db_table': 'partners_idempotencyrecord',
                    },
                ),
                migrations.RemoveField(
                    model_name='ban',
                    name='created_by',
                ),
                migrations.DeleteModel(
                    name='DetectorVersion',
                ),
                migrations.DeleteModel(
                    name='DomainRule',
                ),
                migrations.RemoveField(
                    model_name='queuealert',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='Term',
                ),
                migrations.DeleteModel(
                    name='ModerationDashboard',
                ),
                migrations.DeleteModel(
                    name='ModerationQueue',
                ),
                migrations.DeleteModel(
                    name='Ban',
                ),
                migrations.DeleteModel(
                    name='QueueAlert',
                ),
                migrations.AddConstraint(
                    model_name='idempotencyrecord',
                    constraint=models.UniqueConstraint(fields=('client', 'key'), name='idempotency_client_key_uniq'),
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
