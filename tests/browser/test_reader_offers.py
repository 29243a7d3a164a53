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
