"""The detectors' models move here from ``comments`` with their tables
(comments_domainrule, comments_term, comments_detectorversion): a state-only
migration, no data copied. See docs/decisions/0009-app-layering.md."""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('comments', '0046_seed_source_domains'),
    ]

    operations = [
        # State only: the tables stay where they are, with their data.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DomainRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('domain', models.CharField(max_length=253, unique=True)),
                        ('action', models.CharField(choices=[('allow', 'Allow (links to it are not suspicious)'), ('block', 'Block (links to it are spam)')], max_length=5)),
                        ('note', models.CharField(blank=True, max_length=200)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'comments_domainrule',
                        'ordering': ['domain'],
                    },
                ),
                migrations.CreateModel(
                    name='DetectorVersion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.CharField(max_length=40, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('archive', models.BinaryField()),
                        ('manifest', models.JSONField(default=dict)),
                        ('evaluation', models.JSONField(blank=True, default=dict)),
                        ('is_active', models.BooleanField(default=False)),
                        ('activated_at', models.DateTimeField(blank=True, null=True)),
                        ('note', models.CharField(blank=True, max_length=300)),
                    ],
                    options={
                        'db_table': 'comments_detectorversion',
                        'ordering': ['-created_at'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('is_active', True)), fields=('is_active',), name='one_active_detector')],
                    },
                ),
                migrations.CreateModel(
                    name='Term',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('text', models.CharField(max_length=100)),
                        ('head', models.CharField(choices=[('spam', 'Spam'), ('toxicity', 'Toxicity')], max_length=8)),
                        ('weight', models.FloatField(default=0.6, help_text='Score one match adds (0-1); several combine.')),
                        ('is_active', models.BooleanField(default=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'comments_term',
                        'ordering': ['head', 'text'],
                        'constraints': [models.UniqueConstraint(fields=('text', 'head'), name='term_unique_per_head'), models.CheckConstraint(condition=models.Q(('weight__gte', 0), ('weight__lte', 1)), name='term_weight_0_1')],
                    },
                ),
            ],
        ),
    ]
