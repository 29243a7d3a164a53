"""Admin detail pages in real Chromium: the object tools (History, Approve,
Reject, View on site) never cover a long title."""

import pytest

from articles.models import Article
from comments.models import CommentStatus
from tests.base import ensure_editors_group, make_comment, make_editor, seed_article
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERLAP = """() => {
  const tools = document.querySelector('#content .object-tools').getBoundingClientRect();
  return [...document.querySelectorAll('#content > h1, #content > h2')].filter(h => {
    const r = h.getBoundingClientRect();
    // Where the heading's text actually is: a range over its contents.
    const range = document.createRange();
    range.selectNodeContents(h);
    return [...range.getClientRects()].some(t =>
      t.left < tools.right && tools.left < t.right && t.top < tools.bottom && tools.top < t.bottom);
  }).map(h => h.textContent.trim());
}"""


def test_object_tools_do_not_cover_long_titles(live_server, page, artifacts_dir):
    article = seed_article()
    Article.objects.filter(pk=article.pk).update(
        headline="A very long headline about the Kremlin, NATO, Ukraine and long-range "
        "missiles that goes on well past the width of the page title"
    )
    ensure_editors_group()
    make_editor("kim", password="a-long-password")
    comment = make_comment(
        article, status=CommentStatus.REVIEW, author_name="A reader with a rather long name",
        body="This comment is long enough that its title, author and excerpt fill the heading "
        "from one side of the page to the other and then some more words.",
    )
    sign_in(page, live_server.url + f"/admin/comments/comment/{comment.pk}/change/", "kim", "a-long-password")
    page.locator("#content .object-tools").wait_for()
    page.screenshot(path=str(artifacts_dir / "admin-comment-change-long-title.png"))
    assert page.evaluate(OVERLAP) == []

    page.goto(live_server.url + f"/admin/articles/article/{article.pk}/change/")
    page.locator("#content .object-tools").wait_for()
    page.screenshot(path=str(artifacts_dir / "admin-article-change-long-title.png"))
    assert page.evaluate(OVERLAP) == []
