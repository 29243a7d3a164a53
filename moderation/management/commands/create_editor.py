"""Create (or reset) a staff account with a role and print its login."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from moderation.roles import ROLE_ORDER
from moderation.services import staff_member_set_role, staff_member_token


class Command(BaseCommand):
    help = (
        "Create or reset a staff account with a role and print its login. Roles "
        "(cumulative): editor decides on comments; chief also runs article controls, "
        "bans, term and domain lists, detector versions; admin also API keys, "
        "webhooks and users. See docs/moderation-desk.md, \"Roles\"."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")
        parser.add_argument(
            "--password",
            help="Password to set. Default: keep an existing account's password, "
            "or generate one for a new account.",
        )
        parser.add_argument("--role", choices=ROLE_ORDER, default="editor",
                            help="editor (default), chief or admin.")
        parser.add_argument(
            "--token", action="store_true",
            help="Also print the account's API token for the moderation API "
            "(Authorization: Token <token>).",
        )

    def handle(self, *args, username, password, role, token, **options):
        try:
            user, password = staff_member_set_role(username=username, role=role, password=password)
        except ValidationError as exc:
            raise CommandError(exc.messages[0])
        shown = password if password is not None else "(unchanged; pass --password to reset)"
        self.stdout.write(f"Login ({role}): username {username}  password {shown}")
        if token:
            self.stdout.write(f"API token: {staff_member_token(user=user)}")
