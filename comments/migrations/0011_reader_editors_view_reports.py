"""Let the "Editors" group read readers' reports in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def add_permission(apps, schema_editor):
    app_config = apps.get_app_config("comments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Editors").first()
    if group is not None:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="comments", codename="view_commentreport")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0010_reader_edit_and_reports"),
        ("comments", "0002_editors_group"),
    ]
    operations = [migrations.RunPython(add_permission, migrations.RunPython.noop)]
