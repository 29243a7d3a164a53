"""The comments changelist on a 1280-px laptop: every column, scores and
reasons included, fits beside the admin's navigation without scrolling
sideways."""

import pytest

from comments.models import CommentStatus
from tests.base import ensure_editors_group, make_comment, make_editor, seed_article
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = CommentStatus


def test_scores_and_reasons_fit_a_laptop_screen(live_server, page, artifacts_dir):
    article = seed_article()
    ensure_editors_group()
    make_editor("lee", password="a-long-password")
    make_comment(
        article, status=S.REVIEW, flagged=True, risk=0.9, toxicity_score=0.98, spam_score=0.03,
        author_name="Angry Andy", body="I know where you live, Stoltenberg. Watch your back.",
        reasons=[
            {"checker": "threats", "head": "toxicity", "message": "Threat or wish of violence: \u201cI know where you live\u201d",
             "spans": ["I", "know", "where", "you", "live"]},
            {"checker": "model", "head": "toxicity", "message": "toxicity model score 0.76; driven by 'your', 'live', 'you'",
             "spans": ["your", "live", "you"]},
        ],
    )
    make_comment(
        article, status=S.SPAM, risk=1.0, spam_score=1.0, toxicity_score=0.0, author_name="Spam Sam",
        body="Great article!! I made $5,000 last week, see https://www.easy-cash-now-working-from-home.example.win/join",
        reasons=[
            {"checker": "links", "head": "spam", "message": "1 link (www.easy-cash-now-working-from-home.example.win)"},
            {"checker": "lures", "head": "spam", "message": "Spam phrases", "spans": ["dm me"]},
        ],
    )
    sign_in(page, live_server.url + "/admin/comments/comment/", "lee", "a-long-password")
    page.locator("#result_list").wait_for()
    page.screenshot(path=str(artifacts_dir / "comment-changelist-1280.png"), full_page=True)

    results = page.locator("#changelist-form .results")
    assert results.evaluate("e => e.scrollWidth <= e.clientWidth"), "the list scrolls sideways"
    right_edge = results.bounding_box()["x"] + results.bounding_box()["width"]
    for column in ("reason_list", "created_at", "toxicity"):
        for cell in page.locator(f"#result_list td.field-{column}").all():
            box = cell.bounding_box()
            assert box["x"] + box["width"] <= right_edge + 1, f"{column} is cut off"
    reasons = page.locator("#result_list td.field-reason_list").first
    assert reasons.bounding_box()["width"] >= 200
    assert "Threat or wish of violence" in reasons.inner_text()
    # Spans the message already quotes are not repeated; others are.
    assert "(I, know" not in reasons.inner_text()
    assert "Spam phrases (dm me)" in page.locator("#result_list").inner_text()
    assert "Flagged toxic" in page.locator("#result_list td.field-status_flag").first.inner_text()
