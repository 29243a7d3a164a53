"""The admin sign-in: lockouts per account and per client, logged, and
TOTP two-factor for staff behind ADMIN_TOTP_REQUIRED (issue #15 item 5)."""

from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.base import BaseTestCase

LOGIN = "/admin/login/?next=/admin/"


def forged(i: int) -> dict:
    return {"HTTP_X_FORWARDED_FOR": f"203.0.113.{i}"}


@override_settings(AXES_FAILURE_LIMIT=5)
class LockoutTests(BaseTestCase):
    def sign_in(self, username, password, **extra):
        return self.client_class().post(LOGIN, {"username": username, "password": password}, **extra)

    def test_wrong_passwords_lock_the_account_whatever_the_address(self):
        with self.assertLogs("axes", "WARNING") as logs:
            codes = [self.sign_in("alice", f"guess{i}", **forged(i)).status_code for i in range(5)]
        self.assertEqual(codes, [200] * 4 + [429])
        self.assertTrue(any("alice" in line for line in logs.output), logs.output)
        # The right password no longer gets in, from anywhere.
        refused = self.sign_in("alice", "password", REMOTE_ADDR="198.51.100.9")
        self.assertEqual(refused.status_code, 429)
        self.assertContains(refused, "Too many failed sign-ins", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_one_client_guessing_many_accounts_is_locked_out(self):
        for i in range(5):
            self.sign_in(f"nobody{i}", "guess")
        # Another account, right password, same address: refused.
        self.assertEqual(self.sign_in("alice", "password").status_code, 429)
        # The same account from another address gets in.
        self.assertEqual(self.sign_in("alice", "password", REMOTE_ADDR="198.51.100.9").status_code, 302)

    def test_a_good_sign_in_before_the_limit_clears_the_count(self):
        for i in range(4):
            self.sign_in("alice", "wrong")
        self.assertEqual(self.sign_in("alice", "password").status_code, 302)
        self.assertEqual(self.sign_in("alice", "wrong").status_code, 200)
        self.assertEqual(self.sign_in("alice", "password").status_code, 302)


class TotpTests(BaseTestCase):
    def setUp(self):
        self.device = TOTPDevice.objects.create(user=self.editor, name="phone", confirmed=True)

    def post(self, **data):
        return self.client.post(LOGIN, {"username": "alice", "password": "password", **data})

    def test_off_by_default_a_password_is_enough(self):
        self.assertEqual(self.post().status_code, 302)
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    @override_settings(ADMIN_TOTP_REQUIRED=True)
    def test_required_staff_need_the_code_from_their_device(self):
        response = self.post(otp_device=self.device.persistent_id, otp_token="000000")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Invalid token")
        self.assertNotEqual(self.client.get("/admin/").status_code, 200)
        # django-otp also slows guessing: a failure makes the device wait.
        self.device.refresh_from_db()
        self.assertGreater(self.device.throttling_failure_count, 0)
        self.device.throttle_reset()
        code = f"{totp(self.device.bin_key):06d}"
        response = self.post(otp_device=self.device.persistent_id, otp_token=code)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    @override_settings(ADMIN_TOTP_REQUIRED=True)
    def test_required_a_password_alone_opens_nothing(self):
        self.client.force_login(self.editor)  # a session without a verified device
        self.assertEqual(self.client.get("/admin/").status_code, 302)
