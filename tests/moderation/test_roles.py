"""Roles as groups (moderation/roles.py): what each role reaches, and
`create_editor --role/--token`."""

from io import StringIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from articles.models import Article
from tests.base import SEED_SLUG


def create(*args):
    out = StringIO()
    call_command("create_editor", *args, stdout=out)
    return out.getvalue()


class RoleGroupTests(TestCase):
    def test_the_migration_creates_the_three_groups(self):
        self.assertEqual(
            set(Group.objects.values_list("name", flat=True)),
            {"Editors", "Desk chiefs", "Admins"},
        )

    def test_each_role_reaches_what_the_docs_say(self):
        create("--username", "ed", "--role", "editor", "--password", "pw-editor-1")
        create("--username", "chief", "--role", "chief", "--password", "pw-chief-1")
        create("--username", "boss", "--role", "admin", "--password", "pw-admin-1")
        User = get_user_model()
        ed, chief, boss = (User.objects.get(username=n) for n in ("ed", "chief", "boss"))
        decide = "comments.moderate_comment"
        run_desk = ["articles.change_article", "moderation.add_ban", "detection.add_term",
                    "detection.change_domainrule", "detection.change_detectorversion"]
        admin = ["partners.add_apikey", "partners.add_webhookendpoint", "auth.change_user",
                 "otp_totp.add_totpdevice", "axes.delete_accessattempt"]
        self.assertTrue(ed.has_perm(decide))
        self.assertFalse(any(ed.has_perm(p) for p in run_desk + admin))
        self.assertTrue(chief.has_perms([decide, *run_desk]))
        self.assertFalse(any(chief.has_perm(p) for p in admin))
        self.assertTrue(boss.has_perms([decide, *run_desk, *admin]))

    def test_a_desk_chief_can_change_the_article_controls(self):
        create("--username", "chief", "--role", "chief", "--password", "pw-chief-1")
        self.client.force_login(get_user_model().objects.get(username="chief"))
        article = Article.objects.get(slug=SEED_SLUG)
        page = self.client.get(f"/admin/articles/article/{article.pk}/change/")
        self.assertContains(page, 'name="comments_open"')
        self.assertContains(page, 'name="moderation_policy"')
        self.assertContains(page, 'name="spam_threshold_low"')

    def test_a_new_role_replaces_the_old_one(self):
        create("--username", "sam", "--role", "admin", "--password", "pw-admin-1")
        create("--username", "sam", "--role", "editor")
        groups = set(get_user_model().objects.get(username="sam").groups.values_list("name", flat=True))
        self.assertEqual(groups, {"Editors"})


class CreateEditorCommandTests(TestCase):
    def test_token_authenticates_on_the_moderation_api(self):
        out = create("--username", "ed", "--token")
        self.assertIn("Login (editor): username ed  password ", out)
        token = out.split("API token: ")[1].strip()
        refused = self.client.get("/api/moderation/comments/", HTTP_AUTHORIZATION="Token wrong")
        self.assertEqual(refused.status_code, 401)
        ok = self.client.get("/api/moderation/comments/", HTTP_AUTHORIZATION=f"Token {token}")
        self.assertEqual(ok.status_code, 200)
        # The same token on the next run.
        self.assertIn(f"API token: {token}", create("--username", "ed", "--token"))

    def test_an_expired_token_is_replaced(self):
        from datetime import timedelta

        from django.utils import timezone
        from rest_framework.authtoken.models import Token

        old = create("--username", "ed", "--token").split("API token: ")[1].strip()
        Token.objects.filter(key=old).update(created=timezone.now() - timedelta(days=31))
        self.assertEqual(
            self.client.get("/api/moderation/comments/", HTTP_AUTHORIZATION=f"Token {old}").status_code, 401
        )
        new = create("--username", "ed", "--token").split("API token: ")[1].strip()
        self.assertNotEqual(new, old)
        self.assertEqual(
            self.client.get("/api/moderation/comments/", HTTP_AUTHORIZATION=f"Token {new}").status_code, 200
        )

    def test_an_unknown_role_is_refused_with_the_choices(self):
        with self.assertRaisesMessage(CommandError, "invalid choice: 'boss'"):
            create("--username", "x", "--role", "boss")
