"""Editors manage the detectors' domain rules and term lists."""

import importlib

from django.db import migrations

EDITOR_PERMISSIONS = [
    "add_domainrule", "change_domainrule", "delete_domainrule", "view_domainrule",
    "add_term", "change_term", "delete_term", "view_term",
]


def grant_editors(apps, schema_editor):
    # Same steps as the desk's grant (create permissions first, then add).
    desk = importlib.import_module("comments.migrations.0020_desk_bans_trust_notify")
    desk.grant_codenames(apps, EDITOR_PERMISSIONS)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Editors"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="comments", codename__in=EDITOR_PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [("comments", "0042_merge_reader")]
    operations = [migrations.RunPython(grant_editors, revoke)]
