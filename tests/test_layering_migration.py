"""An existing database migrates across the layering move (#11) with no data lost.

The database is taken back to the heads before the move (comments 0046,
partners 0001, no detection or moderation apps), filled through the
historical models with what a newsroom has (comments, an event, bans, a
queue alert, terms, domain rules, a detector version, an Idempotency-Key
record, the Editors group's permissions), then migrated forward to today's
head and read back through today's models.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("articles", "0003_article_policy_and_thresholds"),
    ("comments", "0046_seed_source_domains"),
    ("partners", "0001_initial"),
    ("detection", None),
    ("moderation", None),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.mark.django_db(transaction=True)
def test_data_survives_the_move_to_detection_and_moderation():
    old = _migrate(BEFORE)
    Article = old.get_model("articles", "Article")
    Comment = old.get_model("comments", "Comment")
    Event = old.get_model("comments", "ModerationEvent")
    Ban = old.get_model("comments", "Ban")
    QueueAlert = old.get_model("comments", "QueueAlert")
    Term = old.get_model("comments", "Term")
    DomainRule = old.get_model("comments", "DomainRule")
    DetectorVersion = old.get_model("comments", "DetectorVersion")
    Idempotency = old.get_model("partners", "IdempotencyRecord")
    User = old.get_model("auth", "User")
    Group = old.get_model("auth", "Group")

    article = Article.objects.create(slug="layering", headline="Layering", body="x", is_published=True)
    comment = Comment.objects.create(
        article=article, author_name="Ann", author_email="ann@example.com", body="Kept.", status="review"
    )
    Event.objects.create(comment=comment, from_status="", to_status="review", reason="Checked")
    editor = User.objects.create(username="kim", email="kim@example.com", is_staff=True)
    Ban.objects.create(kind="email", value="spam@example.com", reason="Spammer", created_by=editor)
    QueueAlert.objects.create(user=editor, threshold=7)
    Term.objects.create(text="putinbot", head="toxicity", weight=0.7)
    DomainRule.objects.create(domain="spam.example", action="block")
    DetectorVersion.objects.create(version="2026.11.01.0000", archive=b"zip", manifest={"a": 1}, is_active=True)
    Idempotency.objects.create(client="ip:x", key="k1", request_hash="h", comment=comment)
    # The Editors group as the old migrations left it (made again here: an
    # earlier transactional test may have flushed the database).
    ContentType = old.get_model("contenttypes", "ContentType")
    Permission = old.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    for app_label, model, codename in [
        ("comments", "ban", "add_ban"),
        ("comments", "term", "change_term"),
        ("comments", "detectorversion", "view_detectorversion"),
        ("comments", "comment", "moderate_comment"),
    ]:
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": codename}
        )
        editors.permissions.add(permission)
    held_before = set(editors.permissions.values_list("codename", flat=True))
    try:
        call_command("migrate", verbosity=0)

        from comments.models import Comment as NewComment, IdempotencyRecord, ModerationEvent
        from detection.models import DetectorVersion as NewVersion, DomainRule as NewRule, Term as NewTerm
        from moderation.models import Ban as NewBan, QueueAlert as NewAlert
        from django.contrib.auth.models import Group as NewGroup

        assert NewComment.objects.get(pk=comment.pk).body == "Kept."
        assert ModerationEvent.objects.filter(comment_id=comment.pk, reason="Checked").exists()
        ban = NewBan.objects.get(value="spam@example.com")
        assert ban.created_by.username == "kim" and ban.reason == "Spammer"
        assert NewAlert.objects.get(user__username="kim").threshold == 7
        assert NewTerm.objects.get(text="putinbot").weight == 0.7
        assert NewRule.objects.get(domain="spam.example").action == "block"
        version = NewVersion.objects.get(version="2026.11.01.0000")
        assert version.is_active and bytes(version.archive) == b"zip" and version.manifest == {"a": 1}
        assert IdempotencyRecord.objects.get(key="k1").comment_id == comment.pk
        # Permissions followed their models: the codenames are now under the
        # new apps, nothing was duplicated, and moderation.0003_roles gave
        # bans and lists to Desk chiefs (Editors keep deciding).
        group = NewGroup.objects.get(name="Editors")
        chiefs = NewGroup.objects.get(name="Desk chiefs")
        held_after = set(
            group.permissions.values_list("content_type__app_label", "codename")
        ) | set(chiefs.permissions.values_list("content_type__app_label", "codename"))
        assert ("comments", "moderate_comment") in set(
            group.permissions.values_list("content_type__app_label", "codename"))
        assert {
            ("moderation", "add_ban"),
            ("detection", "change_term"),
            ("detection", "view_detectorversion"),
        } <= held_after
        assert {codename for _, codename in held_after} >= held_before
        editor_user = type(ban.created_by).objects.get(username="kim")
        editor_user.groups.add(group, chiefs)
        assert editor_user.has_perm("moderation.add_ban") and editor_user.has_perm("detection.change_term")
        # The timestamps still read (no column was rebuilt).
        assert NewComment.objects.get(pk=comment.pk).created_at <= timezone.now()
    finally:
        call_command("migrate", verbosity=0)
