"""Roles as groups: Editors decide, Desk chiefs run the desk (articles, bans,
lists, detector versions), Admins manage partners and people. The table is
moderation/roles.py; this gives each group exactly its permissions (bans and
the term/domain lists move from Editors to Desk chiefs)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from moderation.roles import roles_grant


def grant(apps, schema_editor):
    # Permissions are normally created only after all migrations.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_grant(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
    )


def ungrant(apps, schema_editor):
    """Back to one Editors group that also manages bans and the lists."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(*Permission.objects.filter(
        content_type__app_label__in=["moderation", "detection"],
        content_type__model__in=["ban", "domainrule", "term"],
    ))
    Group.objects.filter(name__in=["Desk chiefs", "Admins"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0002_notice_addresses"),
        ("articles", "0003_article_policy_and_thresholds"),
        ("detection", "0001_initial"),
        ("comments", "0047_move_models_to_detection_and_moderation"),
        ("partners", "0002_idempotency_moves_to_comments"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("axes", "0010_accessattemptexpiration"),
        ("otp_totp", "0003_add_timestamps"),
    ]
    operations = [migrations.RunPython(grant, ungrant)]
