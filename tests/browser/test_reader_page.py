"""The readers' comment section in real Chromium: without and with
JavaScript, replies, edits, reports, "Load more", accessibility (axe-core)
and XSS payloads that must stay text."""

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from django.utils import timezone

from comments.models import Comment, CommentReport, CommentStatus
from comments.services import comment_approve
from tests.base import ensure_editors_group, make_editor, seed_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S = CommentStatus
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


def approved(article, body, name="Reader", parent=None, minutes_ago=60):
    when = timezone.now() - timedelta(minutes=minutes_ago)
    comment = Comment.objects.create(
        article=article, parent=parent, author_name=name, author_email="r@example.org",
        body=body, status=S.APPROVED, approved_at=when,
    )
    Comment.objects.filter(pk=comment.pk).update(created_at=when)
    return comment


def fill_and_post(page, name, email, body, button="Post comment"):
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_role("textbox", name="Comment").fill(body)
    page.get_by_role("button", name=button).click()


def axe_violations(page):
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the site's CSP refuses
        # an inline <script>, as it should.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_without_javascript_post_reply_and_see_pending_state(live_server, browser, artifacts_dir):
    article = seed_article()
    first = approved(article, "Deterrence has held for decades.", name="Olga")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        url = live_server.url + article.get_absolute_url()
        page.goto(url)
        # Errors next to their fields, and nothing typed is lost.
        fill_and_post(page, "Ivo", "not-an-email", "")
        email_field = page.locator(".field", has=page.get_by_role("textbox", name="E-mail"))
        expect(email_field).to_contain_text("Enter a valid email address.")
        expect(page.get_by_role("textbox", name="Name")).to_have_value("Ivo")

        fill_and_post(page, "Ivo", "ivo@example.org", "A top-level thought.")
        page.get_by_role("status").get_by_text("your comment was received").wait_for()
        mine = page.locator(".comment-pending", has_text="A top-level thought.")
        expect(mine).to_contain_text("Awaiting moderation – being checked")

        # Reply without JavaScript: the link opens the form with its target.
        page.get_by_role("link", name="Reply to Olga").click()
        expect(page.locator(".reply-context")).to_contain_text("Replying to Olga")
        fill_and_post(page, "Ivo", "ivo@example.org", "Answering Olga.")
        reply = Comment.objects.get(body="Answering Olga.")
        assert reply.parent_id == first.pk

        # Reloads keep the reader's own comments and their state; the reply
        # sits under the comment it answers.
        page.goto(url)
        under = page.locator(f"#comment-{first.pk} .replies")
        expect(under).to_contain_text("Answering Olga.")
        expect(under).to_contain_text("Only you can see this.")
        Comment.objects.filter(pk=reply.pk).update(status=S.REVIEW)
        page.reload()
        expect(page.locator(f"#comment-{reply.pk}")).to_contain_text("waiting for an editor")

        # Edit without JavaScript: a page of its own.
        page.get_by_role("link", name="Edit your comment").first.click()
        page.get_by_role("textbox", name="Your comment").fill("A better top-level thought.")
        page.get_by_role("button", name="Save changes").click()
        page.get_by_text("Your comment was changed.").wait_for()
        assert Comment.objects.filter(body="A better top-level thought.").exists()
    finally:
        context.close()


def test_with_javascript_post_reply_edit_report_and_load_more_in_place(
    live_server, page, settings, artifacts_dir
):
    settings.COMMENT_PAGE_SIZE = 3
    article = seed_article()
    others = [approved(article, f"Comment number {i}", name=f"Name{i}", minutes_ago=60 - i) for i in range(5)]
    page.goto(live_server.url + article.get_absolute_url())
    page.evaluate("window.__noReload = true")

    # Errors come back per field, in place.
    page.get_by_role("button", name="Post comment").click()
    body_field = page.locator(".field", has=page.get_by_role("textbox", name="Comment"))
    body_field.get_by_text("This field is required.").wait_for()
    expect(page.get_by_role("textbox", name="Comment")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []

    fill_and_post(page, "Maria K.", "maria@example.org", "Posted in place.\nSecond line.")
    mine = page.locator("#own-pending .comment-pending", has_text="Posted in place.")
    mine.wait_for()
    expect(mine).to_contain_text("Awaiting moderation")
    expect(page.get_by_role("textbox", name="Comment")).to_have_value("")
    expect(page.locator(".field-errors")).to_have_count(0)
    assert page.evaluate("window.__noReload") is True

    # Reply opens the form under the comment; the reply lands there.
    # ...by keyboard: Enter on the link, and typing goes into the form.
    page.get_by_role("link", name="Reply to Name1").press("Enter")
    expect(page.locator(f"#comment-{others[1].pk} #comment-form")).to_be_visible()
    expect(page.get_by_role("textbox", name="Comment")).to_be_focused()
    page.locator(f"#comment-{others[1].pk}").screenshot(path=str(artifacts_dir / "reply-in-place.png"))
    page.get_by_role("textbox", name="Comment").fill("A reply in place.")
    page.get_by_role("button", name="Post comment").click()
    page.locator(f"#comment-{others[1].pk} .replies", has_text="A reply in place.").wait_for()
    assert Comment.objects.get(body="A reply in place.").parent_id == others[1].pk
    expect(page.locator("#post-home #comment-form")).to_have_count(1)

    # Edit within the window, in place.
    own = Comment.objects.get(body__startswith="Posted in place.")
    page.locator(f"#comment-{own.pk}").get_by_role("link", name="Edit your comment").click()
    box = page.locator(f"#comment-{own.pk}").get_by_role("textbox", name="Your comment")
    page.locator(f"#comment-{own.pk}").screenshot(path=str(artifacts_dir / "edit-in-place.png"))
    box.fill("Edited in place.")
    page.get_by_role("button", name="Save changes").click()
    page.locator(f"#comment-{own.pk}", has_text="Edited in place.").wait_for()
    expect(page.locator(f"#comment-{own.pk} .comment-meta")).to_contain_text("edited")

    # Report a public comment with a reason.
    target = page.locator(f"#comment-{others[0].pk}")
    target.get_by_role("link", name="Report the comment by Name0").click()
    target.get_by_role("radio", name="Off-topic").wait_for()
    target.screenshot(path=str(artifacts_dir / "report-in-place.png"))
    assert axe_violations(page) == []
    target.get_by_role("radio", name="Off-topic").check()
    target.get_by_role("button", name="Send report").click()
    target.get_by_text("Reported").wait_for()
    assert CommentReport.objects.get().reason == "off_topic"

    # Delete own reply, after confirming.
    mine_reply = Comment.objects.get(body="A reply in place.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#comment-{mine_reply.pk}").get_by_role("link", name="Delete your comment").click()
    page.get_by_text("Your comment was deleted.").wait_for()
    expect(page.locator(f"#comment-{mine_reply.pk}")).to_have_count(0)
    mine_reply.refresh_from_db()
    assert mine_reply.status == S.REMOVED

    # "Load more" appends the next page.
    expect(page.locator("#comment-list > li")).to_have_count(3)
    page.get_by_role("link", name="Load more comments").click()
    page.locator(f"#comment-{others[4].pk}").wait_for()
    expect(page.locator("#comment-list > li")).to_have_count(5)
    expect(page.get_by_role("link", name="Load more comments")).to_have_count(0)
    assert page.evaluate("window.__noReload") is True


@pytest.mark.parametrize("width", [360, 1440])
def test_article_page_is_accessible_and_looks_right(live_server, browser, artifacts_dir, width):
    article = seed_article()
    first = approved(article, "Escalation risk is real.\nSee https://example.org/analysis?a=1&b=2 for more.", name="Olga")
    approved(article, "Deterrence has held so far.", name="Piotr", parent=first, minutes_ago=30)
    approved(article, "A long-range view on a long-range problem.", name="Ana", minutes_ago=20)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        expect(page.locator(".article-list")).to_contain_text("3 comments")
        page.screenshot(path=str(artifacts_dir / f"front-{width}.png"))
        assert axe_violations(page) == []
        url = live_server.url + article.get_absolute_url()
        page.goto(url)
        fill_and_post(page, "Maria K.", "maria@example.org", "My view: wait and see.")
        page.locator("#own-pending .comment-pending").wait_for()
        page.goto(url)
        link = page.locator(".comment-body a").first
        assert link.get_attribute("rel") == "nofollow ugc noopener"
        # Nothing scrolls sideways at either width.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(artifacts_dir / f"article-{width}.png"), full_page=True)
        page.locator(".comments").screenshot(path=str(artifacts_dir / f"article-{width}-comments.png"))
        assert axe_violations(page) == []
        # Keyboard: the first Tab reaches the skip link.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
    finally:
        context.close()


XSS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload=window.__xss=1>',
    "javascript:window.__xss=1",
    'https://example.org/"onmouseover="window.__xss=1"',
    "https://example.org/<script>window.__xss=1</script>",
    "<a href=\"javascript:window.__xss=1\">click</a>",
    "&lt;b&gt;not bold&lt;/b&gt;",
]


def test_xss_payloads_approved_by_an_editor_stay_text(live_server, page):
    ensure_editors_group()
    article = seed_article()
    editor = make_editor("xss-editor")
    for i, payload in enumerate(XSS):
        comment = Comment.objects.create(
            article=article, author_name=payload[:100], author_email="x@example.org",
            body=f"Payload {i}: {payload}\n{payload}",
        )
        comment_approve(comment=comment, actor=editor)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(live_server.url + article.get_absolute_url())
    bodies = page.locator(".comment-body")
    expect(bodies).to_have_count(len(XSS))
    for i, payload in enumerate(XSS):
        expect(bodies.nth(i)).to_contain_text(payload)
    page.locator(".comment-card").first.hover()
    page.locator(".comment-body a").first.hover()
    injected = page.evaluate(
        """() => ({
            xss: window.__xss || 0,
            elements: document.querySelectorAll(
                '.comments script, .comments img, .comments svg, .comments iframe, .comment-body b').length,
            handlers: [...document.querySelectorAll('.comments *')].filter(
                el => [...el.attributes].some(a => a.name.startsWith('on'))).length,
            badLinks: [...document.querySelectorAll('.comments a')].filter(
                a => !/^(https?:|\\/|\\?|#)/.test(a.getAttribute('href'))).length,
        })"""
    )
    assert injected == {"xss": 0, "elements": 0, "handlers": 0, "badLinks": 0}
    assert dialogs == []
