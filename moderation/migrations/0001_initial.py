"""The desk's models move here from ``comments`` with their tables
(comments_ban, comments_queuealert; the two admin pages are proxies): a
state-only migration, no data copied."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('comments', '0046_seed_source_domains'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the tables stay where they are, with their data.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ModerationDashboard',
                    fields=[
                    ],
                    options={
                        'verbose_name': 'moderation dashboard',
                        'verbose_name_plural': 'moderation dashboard',
                        'proxy': True,
                        'indexes': [],
                        'constraints': [],
                    },
                    bases=('comments.comment',),
                ),
                migrations.CreateModel(
                    name='ModerationQueue',
                    fields=[
                    ],
                    options={
                        'verbose_name': 'moderation queue',
                        'verbose_name_plural': 'moderation queue',
                        'proxy': True,
                        'indexes': [],
                        'constraints': [],
                    },
                    bases=('comments.comment',),
                ),
                migrations.CreateModel(
                    name='QueueAlert',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('threshold', models.PositiveIntegerField(default=50)),
                        ('armed', models.BooleanField(default=True)),
                        ('last_sent_at', models.DateTimeField(blank=True, null=True)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='queue_alert', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'comments_queuealert',
                    },
                ),
                migrations.CreateModel(
                    name='Ban',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('email', 'E-mail address'), ('domain', 'E-mail domain'), ('ip', 'IP address')], max_length=6)),
                        ('value', models.CharField(max_length=254)),
                        ('mode', models.CharField(choices=[('reject', 'Reject new comments'), ('shadow', 'Shadow (visible only to the commenter)')], default='reject', max_length=6)),
                        ('reason', models.CharField(help_text='Shown to editors in the event log.', max_length=300)),
                        ('label', models.CharField(blank=True, max_length=254)),
                        ('expires_at', models.DateTimeField(blank=True, help_text='Empty: never.', null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'comments_ban',
                        'ordering': ['-created_at'],
                        'constraints': [models.UniqueConstraint(fields=('kind', 'value'), name='ban_unique_kind_value')],
                    },
                ),
            ],
        ),
    ]
