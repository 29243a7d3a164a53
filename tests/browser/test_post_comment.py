"""A reader posts a comment in real Chromium."""

import pytest
from playwright.sync_api import expect

from comments.models import Comment, CommentStatus
from tests.base import seed_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_posts_comment_and_sees_pending_notice(live_server, page, artifacts_dir):
    article = seed_article()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=article.headline).click()
    page.get_by_role("heading", name="Post a Comment").wait_for()
    page.screenshot(path=str(artifacts_dir / "article-before-post.png"), full_page=True)

    page.get_by_role("textbox", name="Name").fill("Maria K.")
    page.get_by_role("textbox", name="E-mail").fill("maria@example.org")
    page.get_by_role("textbox", name="Comment").fill("Escalation risk is real.\nBut deterrence has held so far.")
    page.get_by_role("button", name="Post comment").click()

    page.get_by_role("status").get_by_text("your comment was received").wait_for()
    pending = page.locator(".comment-pending")
    expect(pending).to_contain_text("Awaiting moderation")
    expect(pending).to_contain_text("But deterrence has held so far.")
    # What the reader sees where the redirect lands them.
    page.screenshot(path=str(artifacts_dir / "article-after-post.png"))

    comment = Comment.objects.get()
    assert comment.author_name == "Maria K."
    assert comment.status in {CommentStatus.PENDING, CommentStatus.CHECKING, CommentStatus.REVIEW}


def test_invalid_form_shows_errors_next_to_fields(live_server, page, artifacts_dir):
    article = seed_article()
    page.goto(live_server.url + article.get_absolute_url())
    page.get_by_role("textbox", name="Name").fill("Maria")
    page.get_by_role("textbox", name="E-mail").fill("not-an-email")
    page.get_by_role("button", name="Post comment").click()
    email_field = page.locator(".field", has=page.get_by_role("textbox", name="E-mail"))
    # With JavaScript the form posts in place: the errors arrive by fetch.
    email_field.locator(".field-errors").wait_for()
    expect(email_field).to_contain_text("Enter a valid email address.")
    body_field = page.locator(".field", has=page.get_by_role("textbox", name="Comment"))
    expect(body_field).to_contain_text("This field is required.")
    expect(page.get_by_role("textbox", name="Name")).to_have_value("Maria")
    page.locator(".comment-form").screenshot(path=str(artifacts_dir / "article-form-errors.png"))
    assert not Comment.objects.exists()
