"""Signed webhooks: which events, what is sent, retries, the attempt log,
and that moderation never waits for an endpoint."""


import pytest
from django.test import Client
from django.test import override_settings
from django.urls import reverse

from comments.models import CommentStatus
from comments.services import comment_approve, comment_mark_spam, comment_reject
from partners.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from unittest import mock

from django.utils import timezone

from partners.services import webhook_delivery_attempt, webhook_event_for, webhook_sweep_stuck
from tests.broker import queue_purge, queued_tasks
from tests.base import SEED_SLUG, BaseTestCase, ensure_editors_group, make_comment, make_editor, seed_article
from tests.conftest import wait_for
from tests.partners.fake_webhook import FakeWebhookServer, self_signed_cert, verify_signature

S = CommentStatus


class WebhookEventMappingTests(BaseTestCase):
    def test_events_for_transitions(self):
        cases = {
            (S.REVIEW, S.APPROVED): "comment.approved",
            (S.SPAM, S.APPROVED): "comment.approved",
            (S.REVIEW, S.REJECTED): "comment.rejected",
            (S.APPROVED, S.REJECTED): "comment.rejected",
            (S.APPROVED, S.SPAM): "comment.rejected",
            (S.REVIEW, S.SPAM): "comment.rejected",
            (S.APPROVED, S.REMOVED): "comment.removed",
            (S.REVIEW, S.REMOVED): "comment.removed",
            # A public comment taken back into moderation (an edit).
            (S.APPROVED, S.REVIEW): "comment.removed",
            ("", S.PENDING): None,
            (S.PENDING, S.CHECKING): None,
            (S.CHECKING, S.REVIEW): None,
            (S.CHECKING, S.SPAM): None,
            (S.PENDING, S.REJECTED): None,
            # Withdrawn by its author before partners ever saw it (#15 item 7).
            (S.SPAM, S.REMOVED): None,
            (S.PENDING, S.REMOVED): None,
            (S.REJECTED, S.REMOVED): None,
        }
        for (from_status, to_status), event in cases.items():
            self.assertEqual(webhook_event_for(from_status=from_status, to_status=to_status), event)


class WebhookDeliveryTests(BaseTestCase):
    def setUp(self):
        self.comment = make_comment(self.article, status=S.REVIEW, body="Good point.")

    def endpoint(self, url, **flags):
        return WebhookEndpoint.objects.create(name="Partner", url=url, **flags)

    def test_decisions_create_deliveries_for_subscribed_endpoints_only(self):
        everything = self.endpoint("http://127.0.0.1:9/a")
        approvals = self.endpoint("http://127.0.0.1:9/b", on_rejected=False, on_removed=False)
        self.endpoint("http://127.0.0.1:9/c", is_active=False)
        queue_purge()
        with self.captureOnCommitCallbacks(execute=True):
            comment_approve(comment=self.comment, actor=self.editor)
            comment_reject(comment=self.comment, actor=self.editor, reason_code="toxic")
            # Not committed yet: nothing may reach the broker.
            self.assertEqual(queued_tasks(), [])
        deliveries = list(WebhookDelivery.objects.order_by("id").values_list("pk", flat=True))
        # Committed: one message per delivery, in order.
        self.assertEqual(queued_tasks(), [("partners.deliver_webhook", [pk]) for pk in deliveries])
        self.assertEqual(
            sorted(WebhookDelivery.objects.values_list("endpoint__name", "event", "endpoint_id")),
            sorted([
                ("Partner", "comment.approved", everything.pk),
                ("Partner", "comment.approved", approvals.pk),
                ("Partner", "comment.rejected", everything.pk),
            ]),
        )

    def test_approved_replies_leave_and_rejoin_with_their_comment(self):
        self.endpoint("http://127.0.0.1:9/a")
        parent = make_comment(self.article, status=S.APPROVED, body="Top")
        reply = make_comment(self.article, status=S.APPROVED, body="Reply", parent=parent)
        make_comment(self.article, status=S.REVIEW, body="Held reply", parent=parent)
        second = make_comment(self.article, status=S.APPROVED, body="Another reply", parent=parent)
        with self.captureOnCommitCallbacks():
            comment_reject(comment=parent, actor=self.editor, reason_code="toxic")
            comment_approve(comment=parent, actor=self.editor)
        self.assertEqual(
            list(WebhookDelivery.objects.order_by("id").values_list("comment_id", "event")),
            [
                (parent.pk, "comment.rejected"),
                (reply.pk, "comment.removed"),
                (second.pk, "comment.removed"),
                (parent.pk, "comment.approved"),
                (reply.pk, "comment.approved"),
                (second.pk, "comment.approved"),
            ],
        )

    def test_signed_post_with_payload_and_logged_attempt(self):
        with FakeWebhookServer(statuses=[204]) as server:
            endpoint = self.endpoint(server.url)
            server.secret = endpoint.secret
            with self.captureOnCommitCallbacks(execute=False):
                comment_approve(comment=self.comment, actor=self.editor)
            delivery = WebhookDelivery.objects.get()
            outcome = webhook_delivery_attempt(delivery_id=delivery.pk)
        self.assertTrue(outcome.done)
        [request] = server.requests
        self.assertTrue(request["signature_ok"])
        self.assertEqual(request["headers"]["X-Newsroom-Event"], "comment.approved")
        self.assertEqual(request["headers"]["X-Newsroom-Delivery"], str(delivery.uuid))
        body = request["json"]
        self.assertEqual(body["id"], str(delivery.uuid))
        self.assertEqual(body["event"], "comment.approved")
        self.assertEqual(body["data"]["id"], self.comment.pk)
        self.assertEqual(body["data"]["article"], SEED_SLUG)
        self.assertEqual(body["data"]["body"], "Good point.")
        self.assertNotIn("author_email", body["data"])
        # A tampered body or another secret fails the partner's check.
        self.assertFalse(verify_signature(secret=endpoint.secret, headers=request["headers"], body=request["body"] + b" "))
        self.assertFalse(verify_signature(secret="other", headers=request["headers"], body=request["body"]))
        delivery.refresh_from_db()
        self.assertEqual(delivery.status, DeliveryStatus.SUCCEEDED)
        [attempt] = delivery.attempt_log.all()
        self.assertEqual((attempt.number, attempt.status_code, attempt.error), (1, 204, ""))
        # A redelivered task message sends nothing more.
        self.assertTrue(webhook_delivery_attempt(delivery_id=delivery.pk).done)
        self.assertEqual(len(server.requests), 1)

    def test_failures_are_retried_with_backoff_then_given_up(self):
        with self.settings(WEBHOOK_MAX_ATTEMPTS=3, WEBHOOK_RETRY_BACKOFF=10, WEBHOOK_RETRY_BACKOFF_MAX=15):
            with FakeWebhookServer(statuses=[500]) as server:
                self.endpoint(server.url)
                comment_approve(comment=self.comment, actor=self.editor)
                delivery = WebhookDelivery.objects.get()
                outcomes = [webhook_delivery_attempt(delivery_id=delivery.pk) for _ in range(3)]
        self.assertEqual([(o.done, o.retry_in) for o in outcomes], [(False, 10), (False, 15), (True, None)])
        delivery.refresh_from_db()
        self.assertEqual((delivery.status, delivery.attempts), (DeliveryStatus.FAILED, 3))
        self.assertEqual(
            list(delivery.attempt_log.values_list("number", "status_code", "error")),
            [(1, 500, "HTTP 500"), (2, 500, "HTTP 500"), (3, 500, "HTTP 500")],
        )

    def test_a_redirect_is_a_failed_attempt_not_followed(self):
        with FakeWebhookServer(statuses=[302]) as server:
            self.endpoint(server.url)
            comment_approve(comment=self.comment, actor=self.editor)
            outcome = webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk)
        self.assertFalse(outcome.done)
        self.assertEqual(len(server.requests), 1)
        self.assertEqual(
            list(WebhookAttempt.objects.values_list("status_code", "error")), [(302, "HTTP 302")]
        )

    def test_unreachable_endpoint_logs_the_error(self):
        self.endpoint("http://127.0.0.1:9/nothing-listens")
        comment_mark_spam(comment=self.comment, actor=self.editor)
        delivery = WebhookDelivery.objects.get()
        self.assertEqual(delivery.event, "comment.rejected")
        outcome = webhook_delivery_attempt(delivery_id=delivery.pk)
        self.assertFalse(outcome.done)
        attempt = WebhookAttempt.objects.get()
        self.assertIsNone(attempt.status_code)
        self.assertIn("Connection refused", attempt.error)

    def test_https_is_sent_over_the_pinned_connection_and_checks_the_certificate(self):
        """The connection that goes to the checked address still speaks TLS
        and verifies the partner's certificate against the URL's host name."""
        tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, tmp)
        localhost = self_signed_cert(tmp, "localhost")
        elsewhere = self_signed_cert(tmp, "partner.example")

        def attempt(server_cert, trusted_cert):
            WebhookDelivery.objects.all().delete()
            self.comment.status = S.REVIEW
            self.comment.save(update_fields=["status"])
            with mock.patch.dict(os.environ, {"SSL_CERT_FILE": trusted_cert}):
                with FakeWebhookServer(statuses=[200], tls=server_cert) as server:
                    endpoint = self.endpoint(server.url)
                    server.secret = endpoint.secret
                    with self.captureOnCommitCallbacks(execute=False):
                        comment_approve(comment=self.comment, actor=self.editor)
                    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
                    outcome = webhook_delivery_attempt(delivery_id=delivery.pk)
            self.assertTrue(endpoint.url.startswith("https://localhost:"))
            return outcome, server.requests, delivery.attempt_log.get()

        outcome, requests, log = attempt(localhost, trusted_cert=localhost[0])
        self.assertTrue(outcome.done)
        self.assertEqual([r["signature_ok"] for r in requests], [True])
        self.assertEqual((log.status_code, log.error), (200, ""))
        for server_cert, trusted, why in (
            (elsewhere, elsewhere[0], "Hostname mismatch"),  # a trusted certificate for another name
            (localhost, elsewhere[0], "self-signed certificate"),  # nobody vouches for it
        ):
            with self.subTest(why=why):
                outcome, requests, log = attempt(server_cert, trusted_cert=trusted)
                self.assertFalse(outcome.done)
                self.assertEqual(requests, [])
                self.assertIsNone(log.status_code)
                self.assertIn("certificate verify failed", log.error)
                self.assertIn(why, log.error)

    @override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
    def test_private_addresses_are_refused_when_saved_and_when_sent(self):
        from django.core.exceptions import ValidationError

        for url, message in (
            ("http://127.0.0.1:9/hook", "127.0.0.1, which is not a public address"),
            ("http://10.1.2.3/hook", "10.1.2.3, which is not a public address"),
            ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, which is not a public address"),
            ("http://[::1]/hook", "::1, which is not a public address"),
            ("ftp://93.184.216.34/hook", "Use an http:// or https:// URL."),
        ):
            with self.subTest(url=url), self.assertRaisesMessage(ValidationError, message):
                WebhookEndpoint(name="P", url=url).full_clean()
        WebhookEndpoint(name="P", url="https://93.184.216.34/hook").full_clean()  # a public address
        # An endpoint saved while allowed (or whose name now resolves
        # inside) is not contacted.
        with FakeWebhookServer() as server:
            endpoint = self.endpoint(server.url)
            with self.captureOnCommitCallbacks():
                comment_approve(comment=self.comment, actor=self.editor)
            delivery = WebhookDelivery.objects.get(endpoint=endpoint)
            webhook_delivery_attempt(delivery_id=delivery.pk)
            self.assertEqual(server.requests, [])
        attempt = WebhookAttempt.objects.get(delivery=delivery)
        self.assertIsNone(attempt.status_code)
        self.assertIn("Not sent: 127.0.0.1 resolves to 127.0.0.1, which is not a public address", attempt.error)

    @override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
    def test_ipv6_forms_that_carry_an_ipv4_address_are_refused(self):
        """Issue #15 item 7: NAT64, 6to4, Teredo and IPv4-compatible forms
        reach the IPv4 address inside; Python calls several of them global."""
        from django.core.exceptions import ValidationError

        for literal in ("64:ff9b::7f00:1", "64:ff9b:1::a00:1", "2002:a00:1::1", "::127.0.0.1",
                        "::ffff:10.0.0.1", "2001:0:4136:e378:8000:63bf:3fff:fdd2"):
            with self.subTest(literal=literal), self.assertRaisesMessage(ValidationError, "not a public address"):
                WebhookEndpoint(name="P", url=f"http://[{literal}]/hook").full_clean()
        WebhookEndpoint(name="P", url="https://[2606:4700::1111]/hook").full_clean()  # a public address

    def test_proxy_variables_are_ignored(self):
        """Through HTTP_PROXY the address check would see the proxy's address,
        and the proxy would go wherever the URL says: webhooks go direct."""
        import urllib.request

        from partners import addresses

        with FakeWebhookServer() as proxy, FakeWebhookServer() as endpoint, \
                mock.patch.dict("os.environ", {"HTTP_PROXY": proxy.url, "http_proxy": proxy.url, "NO_PROXY": ""}):
            request = urllib.request.Request(endpoint.url, data=b"{}", method="POST")
            with addresses.opener().open(request, timeout=5) as response:
                self.assertEqual(response.status, 200)
            self.assertEqual(len(endpoint.requests), 1)
            self.assertEqual(proxy.requests, [])

    def test_slow_endpoint_never_slows_moderation(self):
        """Approving only writes delivery rows and enqueues after commit:
        no HTTP on the editor's request, whatever the endpoint does."""
        with FakeWebhookServer(delay=30) as server:
            for i in range(5):
                self.endpoint(server.url)
            with self.captureOnCommitCallbacks(execute=True), self.assertNumQueries(10):  # + is it public, its approved replies
                comment_approve(comment=self.comment, actor=self.editor)
            self.assertEqual(server.requests, [])
        self.assertEqual(WebhookDelivery.objects.filter(status="pending", attempts=0).count(), 5)

    def test_sweep_re_enqueues_lost_deliveries_once(self):
        self.endpoint("http://127.0.0.1:9/x")
        comment_approve(comment=self.comment, actor=self.editor)  # on_commit never runs: "lost"
        delivery = WebhookDelivery.objects.get()
        later = timezone.now() + timedelta(seconds=301)
        with mock.patch("partners.tasks.deliver_webhook.apply_async", autospec=True) as send:
            self.assertEqual(webhook_sweep_stuck(now=timezone.now()), 0)  # not overdue yet
            self.assertEqual(webhook_sweep_stuck(now=later), 1)
            self.assertEqual(webhook_sweep_stuck(now=later), 0)  # claimed: not twice
        send.assert_called_once_with(args=[delivery.pk])
        webhook_delivery_attempt(delivery_id=delivery.pk)  # fails: retry scheduled
        delivery.refresh_from_db()
        self.assertGreater(delivery.next_attempt_at, timezone.now() + timedelta(seconds=5))

    def test_admin_shows_deliveries_and_attempts_read_only(self):
        self.endpoint("http://127.0.0.1:9/x")
        comment_approve(comment=self.comment, actor=self.editor)
        delivery = WebhookDelivery.objects.get()
        webhook_delivery_attempt(delivery_id=delivery.pk)
        admin = self.editor.__class__.objects.create_superuser("root", password="pw")
        client = Client()
        client.force_login(admin)
        listing = client.get(reverse("admin:partners_webhookdelivery_changelist")).content.decode()
        self.assertIn("comment.approved", listing)
        page = client.get(reverse("admin:partners_webhookdelivery_change", args=[delivery.pk])).content.decode()
        self.assertIn("Connection refused", page)
        self.assertNotIn('name="_save"', page)
        self.assertEqual(client.get(reverse("admin:partners_webhookdelivery_add")).status_code, 403)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_delivers_signed_and_retries_a_failing_endpoint(celery_worker, settings):
    settings.WEBHOOK_RETRY_BACKOFF = 0.2
    article = seed_article()
    ensure_editors_group()
    editor = make_editor("edna", "pw")
    with FakeWebhookServer(statuses=[500, 503, 200]) as flaky, FakeWebhookServer() as steady:
        flaky_endpoint = WebhookEndpoint.objects.create(name="Flaky", url=flaky.url)
        steady_endpoint = WebhookEndpoint.objects.create(name="Steady", url=steady.url)
        flaky.secret, steady.secret = flaky_endpoint.secret, steady_endpoint.secret
        comment = make_comment(article, status=S.REVIEW, body="Delivered by a worker.")
        comment_approve(comment=comment, actor=editor)

        def delivered():
            """both deliveries succeeded"""
            return WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 2

        wait_for(delivered, timeout=30)
    assert [r["signature_ok"] for r in steady.requests] == [True]
    assert [r["signature_ok"] for r in flaky.requests] == [True, True, True]
    assert steady.requests[0]["json"]["data"]["body"] == "Delivered by a worker."
    flaky_delivery = WebhookDelivery.objects.get(endpoint=flaky_endpoint)
    assert list(flaky_delivery.attempt_log.values_list("number", "status_code")) == [
        (1, 500), (2, 503), (3, 200),
    ]
    # Every try carries a fresh timestamp-bound signature of the same body.
    assert len({r["body"] for r in flaky.requests}) == 1
