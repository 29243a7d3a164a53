"""An editor works the moderation queue with the keyboard only, in real
Chromium."""

import pytest
from playwright.sync_api import expect

from comments.models import Comment, CommentStatus, ModerationEvent
from tests.base import ensure_editors_group, make_comment, make_editor, seed_article
from tests.browser.conftest import sign_in
from tests.conftest import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = CommentStatus


def test_editor_approves_and_rejects_with_the_keyboard(live_server, page, artifacts_dir):
    article = seed_article()
    ensure_editors_group()
    editor = make_editor("kim", password="a-long-password")
    toxic = make_comment(
        article, status=S.REVIEW, author_name="Angry Al", author_email="al@example.org",
        body="Only an idiot would believe this.\nWake up!", flagged=True, risk=0.6,
        toxicity_score=0.6, spam_score=0.05,
        reasons=[{"checker": "terms", "head": "toxicity", "message": "Abusive terms", "spans": ["idiot"]}],
    )
    calm = make_comment(
        article, status=S.REVIEW, author_name="Maria K.", author_email="maria@example.org",
        body="Deterrence has held so far; the remarks change little.", risk=0.1,
        toxicity_score=0.02, spam_score=0.1,
    )
    make_comment(article, status=S.APPROVED, author_email="maria@example.org")

    sign_in(page, live_server.url + "/admin/moderation/moderationqueue/", "kim", "a-long-password")
    page.get_by_role("heading", name="Moderation queue").wait_for()
    page.screenshot(path=str(artifacts_dir / "desk-queue.png"), full_page=True)

    # The flagged comment is first and has focus (the desk's script ran).
    expect(page.locator(f"#card-{toxic.pk}")).to_be_focused()

    # j / k move between cards.
    page.keyboard.press("j")
    expect(page.locator(f"#card-{calm.pk}")).to_be_focused()
    page.keyboard.press("k")
    expect(page.locator(f"#card-{toxic.pk}")).to_be_focused()

    # r opens the reasons; 2 picks "Toxic or abusive".
    page.keyboard.press("r")
    dialog = page.get_by_role("dialog", name="Reject: why?")
    dialog.wait_for()
    page.screenshot(path=str(artifacts_dir / "desk-reject-reasons.png"))
    page.keyboard.press("2")
    page.get_by_role("status").filter(has_text=f"Rejected comment #{toxic.pk} (Toxic or abusive).").wait_for(
        state="attached"
    )
    expect(page.locator(f"#card-{toxic.pk}")).to_have_count(0)
    # The next card took focus, without a page reload.
    expect(page.locator(f"#card-{calm.pk}")).to_be_focused()
    page.screenshot(path=str(artifacts_dir / "desk-after-reject.png"))

    page.keyboard.press("a")
    page.locator("#desk-toast", has_text=f"Approved comment #{calm.pk}.").wait_for()
    page.screenshot(path=str(artifacts_dir / "desk-after-approve.png"))
    expect(page.get_by_text("The queue is empty. Well done.")).to_be_visible()
    expect(page.locator("#desk-depth")).to_have_text("0")

    # u undoes the approval within the window; a approves it again.
    page.keyboard.press("u")
    page.locator(f"#card-{calm.pk}").wait_for()
    wait_for(lambda: Comment.objects.get(pk=calm.pk).status == S.REVIEW)
    page.keyboard.press("a")
    page.locator("#desk-toast", has_text=f"Approved comment #{calm.pk}.").wait_for()

    wait_for(lambda: Comment.objects.get(pk=calm.pk).status == S.APPROVED)
    toxic.refresh_from_db()
    assert toxic.status == S.REJECTED
    decisions = list(
        ModerationEvent.objects.filter(actor=editor)
        .order_by("id")
        .values_list("comment_id", "to_status", "reason_code")
    )
    assert decisions == [
        (toxic.pk, S.REJECTED, "toxic"),
        (calm.pk, S.APPROVED, "approved"),
        (calm.pk, S.REVIEW, ""),
        (calm.pk, S.APPROVED, "approved"),
    ]

    # The dashboard draws the day's figures as SVG.
    page.goto(live_server.url + "/admin/moderation/moderationdashboard/")
    page.get_by_role("img", name="Approvals, rejections and spam marks by each editor: kim 3.").wait_for()
    page.screenshot(path=str(artifacts_dir / "desk-dashboard.png"), full_page=True)


def test_bulk_spam_by_keyboard_then_the_next_cards_load(live_server, page, settings, artifacts_dir):
    settings.MODERATION_QUEUE_PAGE_SIZE = 2
    article = seed_article()
    ensure_editors_group()
    make_editor("lee", password="a-long-password")
    first, second, third, fourth = (
        make_comment(article, status=S.REVIEW, body=f"Comment number {n}", risk=1 - n / 10,
                     author_email=f"r{n}@example.org")
        for n in range(1, 5)
    )
    sign_in(page, live_server.url + "/admin/moderation/moderationqueue/", "lee", "a-long-password")
    page.get_by_role("heading", name="Moderation queue").wait_for()
    expect(page.locator(".desk-card")).to_have_count(2)
    # Keys pressed before the desk's script has run are lost: it focuses
    # the first card when it starts.
    expect(page.locator(f"#card-{first.pk}")).to_be_focused()

    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator("#desk-selected-count")).to_have_text("2 selected")
    page.keyboard.press("Shift+S")
    page.locator("#desk-toast", has_text="Marked as spam 2 comments.").wait_for()
    # The page fetched the next cards and focused the first of them.
    page.locator(f"#card-{fourth.pk}").wait_for()
    # Focus moves once the fetched cards are in place; wait for it (fails on timeout).
    page.wait_for_function(f"document.activeElement && document.activeElement.dataset.id === '{third.pk}'")
    page.screenshot(path=str(artifacts_dir / "desk-after-bulk-spam.png"))
    assert set(Comment.objects.filter(status=S.SPAM).values_list("pk", flat=True)) == {first.pk, second.pk}
    # Editors may ban from the card (the permission survives the flush).
    expect(page.get_by_role("link", name="Bans")).to_be_visible()


def test_a_reported_comment_back_in_the_queue_is_marked(live_server, page, artifacts_dir):
    from datetime import timedelta

    from django.utils import timezone

    from comments.services import comment_report

    article = seed_article()
    ensure_editors_group()
    make_editor("kim", password="a-long-password")
    reported = make_comment(article, status=S.APPROVED, author_name="Pat",
                            body="Published yesterday, then readers objected.")
    yesterday = timezone.now() - timedelta(days=1)
    Comment.objects.filter(pk=reported.pk).update(created_at=yesterday, approved_at=yesterday)
    reported.refresh_from_db()
    for i, reason in enumerate(["abuse", "abuse", "off_topic"]):
        comment_report(comment=reported, reason=reason, session_hash=f"s{i}", ip_hash=f"ip{i}")
    fresh = make_comment(article, status=S.REVIEW, author_name="New", body="Never published.")

    sign_in(page, live_server.url + "/admin/moderation/moderationqueue/", "kim", "a-long-password")
    card = page.locator(f"#card-{reported.pk}")
    note = card.locator(".desk-reported")
    note.wait_for()
    page.screenshot(path=str(artifacts_dir / "desk-reported-card.png"), full_page=True)
    text = " ".join(note.inner_text().split())
    assert "Reported by 3 readers" in text
    assert "was published from" in text and "for 1 day" in text
    assert "Abusive, hateful or threatening ×2" in text
    assert "first report" in text and "last" in text
    # It waits since it came back, not since yesterday's submission.
    expect(card.locator(".desk-waited")).to_have_text("waiting 0\xa0minutes")
    expect(page.locator(f"#card-{fresh.pk} .desk-reported")).to_have_count(0)


def test_undo_after_the_window_says_it_has_passed(live_server, page, settings, artifacts_dir):
    settings.MODERATION_UNDO_SECONDS = 1
    article = seed_article()
    ensure_editors_group()
    make_editor("kim", password="a-long-password")
    c = make_comment(article, status=S.REVIEW, body="Approve me, then try to undo too late.")
    sign_in(page, live_server.url + "/admin/moderation/moderationqueue/", "kim", "a-long-password")
    # desk.js has started once the card has the focus.
    page.wait_for_function(f"document.activeElement && document.activeElement.dataset.id === '{c.pk}'")
    page.keyboard.press("a")
    # The card leaves when the answer arrives (the toast may come and go
    # within the 1-second window before a busy machine looks), then the
    # toast goes when the window closes.
    page.locator(f"#card-{c.pk}").wait_for(state="detached")
    page.locator("#desk-toast").wait_for(state="hidden")
    page.keyboard.press("u")
    toast = page.locator("#desk-toast", has_text="the 1-second undo window has passed")
    toast.wait_for()
    page.screenshot(path=str(artifacts_dir / "desk-undo-too-late.png"))
    expect(toast).to_contain_text(f"Too late to undo comment #{c.pk}")
    assert Comment.objects.get(pk=c.pk).status == S.APPROVED
