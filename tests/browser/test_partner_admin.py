"""An administrator creates a partner API key and reads the webhook log,
in real Chromium."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from comments.models import CommentStatus
from comments.services import comment_approve
from partners.models import ApiKey, WebhookDelivery, WebhookEndpoint
from partners.services import webhook_delivery_attempt
from tests.base import SEED_SLUG, make_comment, seed_article
from tests.partners.fake_webhook import FakeWebhookServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_creates_key_shown_once_and_sees_delivery_attempts(live_server, page, artifacts_dir):
    article = seed_article()
    get_user_model().objects.create_superuser("root", password="pw")
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()

    page.goto(live_server.url + "/admin/partners/apikey/add/")
    page.get_by_label("Name").fill("Partner app")
    page.get_by_label("Can submit").check()
    page.get_by_role("button", name="Save", exact=True).click()
    message = page.locator(".api-key-created")
    message.get_by_text("will not be shown again").wait_for()
    page.screenshot(path=str(artifacts_dir / "admin-api-key-created.png"), full_page=True)
    raw = message.locator("code").inner_text()
    key = ApiKey.objects.get(name="Partner app")
    assert ApiKey.hash(raw) == key.hashed_key and key.can_submit
    assert APIClient().get(f"/api/articles/{SEED_SLUG}/comments/", HTTP_X_API_KEY=raw).status_code == 200

    with FakeWebhookServer(statuses=[500]) as server:
        WebhookEndpoint.objects.create(name="Partner app", url=server.url)
        comment = make_comment(article, status=CommentStatus.REVIEW)
        comment_approve(comment=comment, actor=None)
        delivery = WebhookDelivery.objects.get()
        webhook_delivery_attempt(delivery_id=delivery.pk)
    page.goto(live_server.url + f"/admin/partners/webhookdelivery/{delivery.pk}/change/")
    page.get_by_text("HTTP 500").wait_for()
    page.screenshot(path=str(artifacts_dir / "admin-webhook-delivery.png"), full_page=True)
