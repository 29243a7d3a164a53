"""Create (or reset) an editor account in the Editors group and print its login."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create or reset an editor account (staff, in the Editors group) and print its login."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")
        parser.add_argument(
            "--password",
            help="Password to set. Default: keep an existing editor's password, "
            "or generate one for a new account.",
        )

    def handle(self, *args, username, password, **options):
        try:
            group = Group.objects.get(name="Editors")
        except Group.DoesNotExist:
            raise CommandError("The Editors group does not exist: run `manage.py migrate` first.")
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username)
        user.is_staff = True
        if password is None and (created or not user.has_usable_password()):
            password = secrets.token_urlsafe(12)
        if password is not None:
            user.set_password(password)
        user.save()
        user.groups.add(group)
        shown = password if password is not None else "(unchanged; pass --password to reset)"
        self.stdout.write(f"Editor login: username {username}  password {shown}")
