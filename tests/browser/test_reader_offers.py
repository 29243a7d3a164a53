"""What the reader page offers, in real Chromium: only what will work, and
nothing untrue (issue #16: reports behind a shared IP, closing times,
Edit/Delete on comments that cannot change, the article's emphasis)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Comment, CommentReport, CommentStatus
from tests.base import seed_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = CommentStatus


def approved(article, body, name="Reader", minutes_ago=60):
    when = timezone.now() - timedelta(minutes=minutes_ago)
    comment = Comment.objects.create(
        article=article, author_name=name, author_email="r@example.org",
        body=body, status=S.APPROVED, approved_at=when,
    )
    Comment.objects.filter(pk=comment.pk).update(created_at=when)
    return comment


def report(page, comment, reason="Off-topic"):
    target = page.locator(f"#comment-{comment.pk}")
    target.get_by_role("link", name=f"Report the comment by {comment.author_name}").click()
    target.get_by_role("radio", name=reason).check()
    target.get_by_role("button", name="Send report").click()
    return target


def test_a_reader_behind_the_same_ip_is_never_told_they_reported(live_server, browser, artifacts_dir):
    article = seed_article()
    comment = approved(article, "Everyone in this office disagrees with me.", name="Olga")
    url = live_server.url + article.get_absolute_url()
    first, second = browser.new_context(), browser.new_context()
    try:
        page = first.new_page()
        page.goto(url)
        report(page, comment).get_by_text("Reported").wait_for()

        # A colleague on the same network (same IP, another browser).
        page2 = second.new_page()
        page2.goto(url)
        target = report(page2, comment, reason="Spam or advertising")
        target.get_by_text("Reported").wait_for()
        page2.screenshot(path=str(artifacts_dir / "report-same-ip-second-reader.png"), full_page=False)
        assert page2.get_by_text("You have already reported this comment.").count() == 0

        # The first reader, again: that one is true.
        page.reload()
        assert page.locator(f"#comment-{comment.pk}").get_by_text("Reported").count() >= 1
    finally:
        first.close()
        second.close()
    assert list(CommentReport.objects.order_by("id").values_list("counted", flat=True)) == [True, False]


def test_after_the_closing_time_the_page_offers_no_form_or_reply(live_server, page, artifacts_dir):
    from articles.models import Article

    article = seed_article()
    approved(article, "Said before the closing time.", name="Early")
    # Closed a minute ago by the clock; the periodic task has not run yet.
    Article.objects.filter(pk=article.pk).update(
        comments_open=True, auto_close_after_days=1,
        published_at=timezone.now() - timedelta(days=1, minutes=1),
    )
    page.goto(live_server.url + article.get_absolute_url())
    page.get_by_text("Comments are closed on this article.").wait_for()
    page.locator("section.comments").screenshot(path=str(artifacts_dir / "closed-by-time.png"))
    assert page.get_by_role("button", name="Post comment").count() == 0
    assert page.get_by_role("link", name="Reply to Early").count() == 0
    # The API says the same.
    api = page.request.get(live_server.url + f"/api/articles/{article.slug}/")
    assert api.json()["comments_open"] is False


def test_spam_and_rejected_comments_offer_no_edit_or_delete_and_never_say_spam(
    live_server, page, artifacts_dir
):
    from django.contrib.auth import get_user_model

    from comments.services import comment_mark_spam, comment_reject

    article = seed_article()
    page.goto(live_server.url + article.get_absolute_url())
    page.evaluate("window.__noReload = true")
    for body in ("Cheap watches at my shop.", "Off on a tangent about football.", "A fair point."):
        page.get_by_role("textbox", name="Name").fill("Sam")
        page.get_by_role("textbox", name="E-mail").fill("sam@example.org")
        page.get_by_role("textbox", name="Comment").fill(body)
        page.get_by_role("button", name="Post comment").click()
        page.locator("#own-pending .comment-pending", has_text=body).wait_for()
    editor = get_user_model().objects.create_user("ed", is_staff=True)
    spam = Comment.objects.get(body="Cheap watches at my shop.")
    rejected = Comment.objects.get(body="Off on a tangent about football.")
    waiting = Comment.objects.get(body="A fair point.")
    comment_mark_spam(comment=spam, actor=editor)
    comment_reject(comment=rejected, actor=editor, reason_code="off_topic")

    page.reload()
    section = page.locator("section.comments")
    section.get_by_text("Cheap watches at my shop.").wait_for()
    section.screenshot(path=str(artifacts_dir / "own-spam-and-rejected.png"))
    for decided in (spam, rejected):
        card = page.locator(f"#comment-{decided.pk}")
        assert "Not published" in card.inner_text()
        assert card.get_by_role("link", name="Edit your comment").count() == 0
        assert card.get_by_role("link", name="Delete your comment").count() == 0
    assert "Reason: Off-topic" in page.locator(f"#comment-{rejected.pk}").inner_text()
    # Still waiting: its author may change it.
    assert page.locator(f"#comment-{waiting.pk}").get_by_role("link", name="Edit your comment").count() == 1
    assert "spam" not in section.inner_text().lower()

    # The inline edit box has ids of its own beside the main form's (#16 item 9).
    card = page.locator(f"#comment-{waiting.pk}")
    card.get_by_role("link", name="Edit your comment").click()
    box = card.get_by_role("textbox", name="Your comment")
    box.wait_for()
    assert box.get_attribute("id") == f"id_edit{waiting.pk}_body"
    assert page.locator("#comment-form textarea").get_attribute("id") == "id_body"
    duplicates = page.evaluate("""() => {
      const seen = {};
      document.querySelectorAll('[id]').forEach(el => { seen[el.id] = (seen[el.id] || 0) + 1; });
      return Object.keys(seen).filter(id => seen[id] > 1);
    }""")
    assert duplicates == []

    # Opening the edit page by its address neither edits nor names the verdict.
    page.goto(live_server.url + f"{article.get_absolute_url()}comments/{spam.pk}/edit/")
    page.get_by_text("This comment can no longer be changed.").wait_for()
    assert "spam" not in page.locator("main").inner_text().lower()


def test_the_seed_article_shows_italics_not_asterisks(live_server, page, artifacts_dir):
    import re

    article = seed_article()
    page.goto(live_server.url + article.get_absolute_url())
    emphasis = page.locator("article.article em", has_text="The Times")
    emphasis.wait_for()
    assert emphasis.evaluate("el => getComputedStyle(el).fontStyle") == "italic"
    emphasis.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "article-emphasis.png"))
    text = page.locator("article.article").inner_text()
    assert "*" not in text
    assert not re.search(r"(?<![\w-])_|_(?![\w-])", text)
