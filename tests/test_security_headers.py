"""Security headers, and `check --deploy` with production settings (issue
#15 item 6)."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.test import SimpleTestCase, override_settings

from tests.base import BaseTestCase

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-production-like-secret-key-with-enough-variety-0123456789",
    "ALLOWED_HOSTS": "news.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://news.example.com",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE") and not k.startswith("SECURE_")
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="newsroom.settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


class DeployCheckTests(SimpleTestCase):
    def test_production_settings_pass_check_deploy(self):
        result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("System check identified no issues", result.stdout)

    def test_without_the_https_settings_check_deploy_says_so(self):
        env = {k: v for k, v in PRODUCTION.items() if not k.startswith("SECURE_")}
        result = manage("check", "--deploy", env=env)
        for code in ("security.W004", "security.W008"):
            self.assertIn(code, result.stderr + result.stdout)


class HeaderTests(BaseTestCase):
    def test_every_page_sends_a_policy_without_inline_script(self):
        for url in (self.article.get_absolute_url(), "/", "/admin/login/", "/api/docs/", "/api/articles/"):
            response = self.client.get(url)
            policy = response["Content-Security-Policy"]
            self.assertIn("script-src 'self';", policy, url)
            self.assertNotIn("unsafe-inline';", policy.split("script-src", 1)[1].split(";", 1)[0], url)
            self.assertIn("frame-ancestors 'none'", policy)
            self.assertEqual(response["X-Frame-Options"], "DENY")
            if response["Content-Type"].startswith("text/html"):
                # Every <script> loads a file: nothing inline for the policy to block.
                for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
                    self.assertIn("src=", tag, f"{url}: inline {tag}")

    def test_desk_pages_have_no_inline_script(self):
        self.client.force_login(self.editor)
        for url in ("/admin/moderation/moderationqueue/", "/admin/moderation/moderationdashboard/", "/admin/comments/comment/"):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
                self.assertIn("src=", tag, f"{url}: inline {tag}")

    @override_settings(CONTENT_SECURITY_POLICY="")
    def test_empty_setting_sends_no_policy(self):
        self.assertNotIn("Content-Security-Policy", self.client.get("/"))

    @override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=600)
    def test_https_redirect_and_hsts_but_not_for_health_probes(self):
        self.assertEqual(self.client.get("/").status_code, 301)
        self.assertEqual(self.client.get("/healthz").status_code, 200)
        secure = self.client.get("/", secure=True)
        self.assertEqual(secure["Strict-Transport-Security"], "max-age=600")
