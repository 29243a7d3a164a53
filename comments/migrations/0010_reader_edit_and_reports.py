# Reader page: edit timestamps, reports, the top-level public index.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0003_article_policy_and_thresholds'),
        ('comments', '0003_decision_reasons_and_removed'),
    ]

    operations = [
        migrations.CreateModel(
            name='CommentReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(choices=[('spam', 'Spam or advertising'), ('abuse', 'Abusive, hateful or threatening'), ('off_topic', 'Off-topic'), ('personal_data', "Shares someone's personal data"), ('other', 'Something else')], max_length=16)),
                ('session_hash', models.CharField(max_length=64)),
                ('ip_hash', models.CharField(blank=True, max_length=64)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
            ],
            options={
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.AddField(
            model_name='comment',
            name='edited_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(condition=models.Q(('parent__isnull', True), ('status', 'approved')), fields=['article', 'approved_at', 'id'], name='comment_public_top_idx'),
        ),
        migrations.AddField(
            model_name='commentreport',
            name='comment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='comments.comment'),
        ),
        migrations.AddConstraint(
            model_name='commentreport',
            constraint=models.UniqueConstraint(fields=('comment', 'session_hash'), name='report_once_per_session'),
        ),
        migrations.AddConstraint(
            model_name='commentreport',
            constraint=models.UniqueConstraint(condition=models.Q(('ip_hash', ''), _negated=True), fields=('comment', 'ip_hash'), name='report_once_per_ip'),
        ),
    ]
