"""The moderation queue page in the admin and its actions."""

from datetime import timedelta

from django.contrib.admin.models import LogEntry
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, CommentStatus, ModerationEvent
from comments.services import comment_approve, comment_report, comment_undo_decision
from tests.base import BaseTestCase, make_comment, make_editor

S = CommentStatus
QUEUE = reverse("admin:moderation_moderationqueue_changelist")
DECIDE = reverse("admin:moderation_moderationqueue_decide")
UNDO = reverse("admin:moderation_moderationqueue_undo")
JSON = {"HTTP_ACCEPT": "application/json"}


def shown_ids(response):
    return [card.comment.pk for card in response.context["cards"]]


class QueuePageTests(BaseTestCase):
    def setUp(self):
        self.client.force_login(self.editor)

    def test_orders_flagged_then_score_then_oldest(self):
        now = timezone.now()
        calm_old = make_comment(self.article, status=S.REVIEW, body="old", risk=0.2)
        calm_new = make_comment(self.article, status=S.REVIEW, body="new", risk=0.2)
        Comment.objects.filter(pk=calm_old.pk).update(created_at=now - timedelta(hours=5))
        risky = make_comment(self.article, status=S.REVIEW, body="risky", risk=0.7)
        toxic = make_comment(self.article, status=S.REVIEW, body="toxic", risk=0.55, flagged=True)
        make_comment(self.article, status=S.APPROVED, body="done")
        make_comment(self.article, status=S.SPAM, body="spam")
        response = self.client.get(QUEUE)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(shown_ids(response), [toxic.pk, risky.pk, calm_old.pk, calm_new.pk])
        self.assertEqual(response.context["depth"], 4)

    def test_card_shows_record_highlights_bands_reasons_and_wait(self):
        make_comment(self.article, status=S.APPROVED, author_email="zed@example.org")
        make_comment(self.article, status=S.APPROVED, author_email="zed@example.org")
        make_comment(self.article, status=S.REJECTED, author_email="zed@example.org")
        c = make_comment(
            self.article, status=S.REVIEW, author_name="Zed", author_email="zed@example.org",
            body="You are an IDIOT, buy now", spam_score=0.42, toxicity_score=0.85, risk=0.85,
            flagged=True,
            reasons=[
                {"checker": "terms", "head": "toxicity", "message": "Abusive terms", "spans": ["idiot"]},
                {"checker": "terms", "head": "spam", "message": "Spam phrases", "spans": ["buy now"]},
            ],
        )
        Comment.objects.filter(pk=c.pk).update(
            created_at=timezone.now() - timedelta(hours=3), status_changed_at=timezone.now() - timedelta(hours=3)
        )
        response = self.client.get(QUEUE)
        self.assertContains(response, self.article.headline[:40])
        self.assertContains(response, "2 approved")
        self.assertContains(response, "1 rejected")
        self.assertContains(response, "first seen")
        self.assertContains(
            response,
            'You are an <mark class="hit hit-toxicity" title="Drove the toxicity score">IDIOT</mark>, '
            '<mark class="hit hit-spam" title="Drove the spam score">buy now</mark>',
            html=False,
        )
        self.assertContains(response, "Toxicity: <strong>Likely</strong> <span class=\"band-num\">0.85</span>")
        self.assertContains(response, "Spam: <strong>Unlikely</strong> <span class=\"band-num\">0.42</span>")
        self.assertContains(response, "Abusive terms")
        self.assertContains(response, "waiting 3\xa0hours")
        self.assertContains(response, "⚠ Flagged toxic")

    def test_lists_the_keyboard_shortcuts(self):
        make_comment(self.article, status=S.REVIEW)
        response = self.client.get(QUEUE)
        for text in ("Next comment", "Previous comment", "Approve", "Reject… then 1–6 for the reason",
                     "Mark as spam", "Open the article in a new tab", "Undo the last decision"):
            self.assertContains(response, text)
        self.assertContains(response, "moderation/desk.js")

    def test_breadcrumbs_lead_to_the_moderation_desk(self):
        for url in (QUEUE, reverse("admin:moderation_moderationdashboard_changelist")):
            self.assertContains(
                self.client.get(url), f'<a href="{reverse("admin:app_list", args=["moderation"])}">Moderation desk</a>'
            )

    def test_empty_queue_says_so(self):
        response = self.client.get(QUEUE)
        self.assertContains(response, "The queue is empty.")

    def report_three_times(self, comment, reasons=("abuse", "abuse", "spam")):
        for i, reason in enumerate(reasons):
            comment_report(comment=comment, reason=reason, session_hash=f"s{i}", ip_hash=f"ip{i}")

    def test_a_reported_comment_says_so_on_its_card(self):
        now = timezone.now()
        reported = make_comment(self.article, status=S.APPROVED, body="Was public")
        Comment.objects.filter(pk=reported.pk).update(
            created_at=now - timedelta(days=2), approved_at=now - timedelta(days=2)
        )
        reported.refresh_from_db()
        self.report_three_times(reported)
        plain = make_comment(self.article, status=S.REVIEW, body="Never public")
        response = self.client.get(QUEUE)
        cards = {card.comment.pk: card for card in response.context["cards"]}
        card = cards[reported.pk]
        self.assertEqual(card.reports.count, 3)
        self.assertEqual(card.reports.reasons, [("Abusive, hateful or threatening", 2), ("Spam or advertising", 1)])
        self.assertLessEqual(card.reports.first_at, card.reports.last_at)
        self.assertEqual(card.was_public_since, reported.approved_at)
        # Waiting counts from its return to the queue, not from two days ago.
        self.assertLess(card.waited, timedelta(hours=1))
        self.assertIsNone(cards[plain.pk].reports)
        self.assertIsNone(cards[plain.pk].was_public_since)
        self.assertContains(response, "Reported by 3 readers")
        self.assertContains(response, "Abusive, hateful or threatening ×2, Spam or advertising ×1")
        self.assertContains(response, "was published from")
        self.assertContains(response, "waiting 0\xa0minutes", count=2)

    def test_constant_number_of_queries(self):
        for i in range(3):
            make_comment(self.article, status=S.REVIEW, body=f"a{i}", author_email=f"a{i}@example.org")
        reported = make_comment(self.article, status=S.APPROVED, body="reported")
        self.report_three_times(reported)
        self.client.get(QUEUE)
        with self.assertNumQueries(8) as ctx:
            self.client.get(QUEUE)
        for i in range(40):
            make_comment(self.article, status=S.REVIEW, body=f"b{i}", author_email=f"b{i}@example.org")
        with self.assertNumQueries(len(ctx.captured_queries)):
            response = self.client.get(QUEUE)
        self.assertEqual(len(response.context["cards"]), 25)

    def test_listed_on_the_admin_index_for_moderators(self):
        response = self.client.get(reverse("admin:index"))
        self.assertContains(response, QUEUE)
        self.assertContains(response, reverse("admin:moderation_moderationdashboard_changelist"))


class QueueDecisionTests(BaseTestCase):
    def setUp(self):
        self.client.force_login(self.editor)

    def test_approve_one_without_reload(self):
        c = make_comment(self.article, status=S.REVIEW, spam_score=0.1, toxicity_score=0.2)
        response = self.client.post(DECIDE, {"action": "approve", "ids": [c.pk]}, **JSON)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["done"], [{"id": c.pk, "status": "approved"}])
        self.assertEqual(response.json()["depth"], 0)
        c.refresh_from_db()
        self.assertEqual(c.status, S.APPROVED)
        event = c.events.get()
        self.assertEqual(
            (event.actor, event.from_status, event.to_status, event.reason_code,
             event.spam_score, event.toxicity_score, event.body_snapshot),
            (self.editor, S.REVIEW, S.APPROVED, "approved", 0.1, 0.2, c.body),
        )
        entry = LogEntry.objects.get()
        self.assertEqual((entry.user, entry.object_id), (self.editor, str(c.pk)))
        self.assertEqual(entry.get_change_message(), "Approved on the moderation desk")

    def test_reject_carries_the_reason(self):
        c = make_comment(self.article, status=S.REVIEW)
        response = self.client.post(
            DECIDE, {"action": "reject", "ids": [c.pk], "reason_code": "off_topic"}, **JSON
        )
        self.assertEqual(response.json()["message"], "Rejected 1 comment.")
        event = c.events.get()
        self.assertEqual((event.to_status, event.reason_code), (S.REJECTED, "off_topic"))

    def test_reject_without_reason_is_refused(self):
        c = make_comment(self.article, status=S.REVIEW)
        response = self.client.post(DECIDE, {"action": "reject", "ids": [c.pk]}, **JSON)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json()["errors"][0]["error"],
            "Choose a reason for the rejection: Spam, Toxic or abusive, Off-topic, "
            "Personal data, Legal risk, Other.",
        )
        c.refresh_from_db()
        self.assertEqual(c.status, S.REVIEW)

    def test_mark_spam(self):
        c = make_comment(self.article, status=S.REVIEW)
        self.client.post(DECIDE, {"action": "spam", "ids": [c.pk]}, **JSON)
        c.refresh_from_db()
        self.assertEqual(c.status, S.SPAM)
        self.assertEqual(c.events.get().reason_code, "spam")

    def test_bulk_by_checkbox(self):
        a, b, keep = (make_comment(self.article, status=S.REVIEW) for _ in range(3))
        response = self.client.post(
            DECIDE, {"action": "reject", "ids": [a.pk, b.pk], "reason_code": "toxic"}, **JSON
        )
        self.assertEqual(response.json()["message"], "Rejected 2 comments.")
        self.assertEqual(
            set(Comment.objects.values_list("pk", "status")),
            {(a.pk, S.REJECTED), (b.pk, S.REJECTED), (keep.pk, S.REVIEW)},
        )
        self.assertEqual(ModerationEvent.objects.filter(reason_code="toxic").count(), 2)

    def test_card_button_without_javascript_redirects_with_a_message(self):
        c = make_comment(self.article, status=S.REVIEW)
        response = self.client.post(
            DECIDE, {"card": f"reject:{c.pk}", f"reason_{c.pk}": "legal"}, follow=True
        )
        self.assertRedirects(response, QUEUE)
        self.assertContains(response, "Rejected 1 comment.")
        self.assertEqual(c.events.get().reason_code, "legal")

    def test_unknown_comment_and_bad_input_get_clear_errors(self):
        response = self.client.post(DECIDE, {"action": "approve", "ids": [999999]}, **JSON)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["errors"][0]["error"], "Comment #999999 does not exist.")
        response = self.client.post(DECIDE, {"action": "approve", "ids": ["x"]}, **JSON)
        self.assertEqual(response.json()["errors"][0]["error"], "Comment ids must be numbers.")
        response = self.client.post(DECIDE, {"action": "approve"}, **JSON)
        self.assertEqual(response.json()["errors"][0]["error"], "Select at least one comment.")
        response = self.client.post(DECIDE, {"action": "delete", "ids": [1]}, **JSON)
        self.assertEqual(response.json()["errors"][0]["error"], "Choose approve, reject or spam.")

    def test_get_is_refused(self):
        self.assertEqual(self.client.get(DECIDE).status_code, 405)

    def test_csrf_is_enforced(self):
        c = make_comment(self.article, status=S.REVIEW)
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.editor)
        response = client.post(DECIDE, {"action": "approve", "ids": [c.pk]}, **JSON)
        self.assertEqual(response.status_code, 403)
        c.refresh_from_db()
        self.assertEqual(c.status, S.REVIEW)


class UndoTests(BaseTestCase):
    def setUp(self):
        self.client.force_login(self.editor)

    def test_undo_restores_and_logs(self):
        c = make_comment(self.article, status=S.REVIEW)
        self.client.post(DECIDE, {"action": "approve", "ids": [c.pk]}, **JSON)
        response = self.client.post(UNDO, {"ids": [c.pk]}, **JSON)
        self.assertEqual(response.json()["done"], [{"id": c.pk, "status": "review"}])
        c.refresh_from_db()
        self.assertEqual((c.status, c.approved_at), (S.REVIEW, None))
        changes = list(c.events.values_list("actor__username", "from_status", "to_status", "reason_code"))
        self.assertEqual(changes, [
            ("alice", S.REVIEW, S.APPROVED, "approved"),
            ("alice", S.APPROVED, S.REVIEW, ""),
        ])
        self.assertEqual(c.events.last().reason, "Undo: review → approved withdrawn")

    def test_undo_too_late_is_refused(self):
        c = make_comment(self.article, status=S.REVIEW)
        comment_approve(comment=c, actor=self.editor)
        with override_settings(MODERATION_UNDO_SECONDS=10):
            with self.assertRaisesMessage(
                Exception, "The decision is more than 10 seconds old and can no longer be undone."
            ):
                comment_undo_decision(
                    comment=c, actor=self.editor, now=timezone.now() + timedelta(seconds=11)
                )
        c.refresh_from_db()
        self.assertEqual(c.status, S.APPROVED)

    def test_only_own_decision_can_be_undone(self):
        other = make_editor("dave")
        c = make_comment(self.article, status=S.REVIEW)
        comment_approve(comment=c, actor=other)
        response = self.client.post(UNDO, {"ids": [c.pk]}, **JSON)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(
            response.json()["errors"][0]["error"], f"#{c.pk}: Only your own last decision can be undone."
        )

    def test_nothing_to_undo(self):
        c = make_comment(self.article, status=S.REVIEW)
        response = self.client.post(UNDO, {"ids": [c.pk]}, **JSON)
        self.assertEqual(response.json()["errors"][0]["error"], f"#{c.pk}: There is no decision to undo.")
        # An undo cannot itself be undone.
        comment_approve(comment=c, actor=self.editor)
        comment_undo_decision(comment=c, actor=self.editor)
        response = self.client.post(UNDO, {"ids": [c.pk]}, **JSON)
        self.assertEqual(response.json()["errors"][0]["error"], f"#{c.pk}: There is no decision to undo.")


class QueuePermissionTests(BaseTestCase):
    def test_staff_without_moderate_permission_get_403_everywhere(self):
        c = make_comment(self.article, status=S.REVIEW)
        self.client.force_login(self.staffer)
        self.assertEqual(self.client.get(QUEUE).status_code, 403)
        self.assertEqual(
            self.client.get(reverse("admin:moderation_moderationdashboard_changelist")).status_code, 403
        )
        self.assertEqual(self.client.post(DECIDE, {"action": "approve", "ids": [c.pk]}).status_code, 403)
        self.assertEqual(self.client.post(UNDO, {"ids": [c.pk]}).status_code, 403)
        c.refresh_from_db()
        self.assertEqual(c.status, S.REVIEW)
        self.assertNotContains(self.client.get(reverse("admin:index")), QUEUE)

    def test_anonymous_is_sent_to_login(self):
        response = self.client.get(QUEUE)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("admin:login"), response["Location"])
        response = self.client.post(DECIDE, {"action": "approve", "ids": [1]})
        self.assertEqual(response.status_code, 302)


class QueueTabTests(BaseTestCase):
    def setUp(self):
        self.client.force_login(self.editor)

    def test_flagged_and_spam_queues(self):
        flagged = make_comment(self.article, status=S.REVIEW, flagged=True, risk=0.6)
        make_comment(self.article, status=S.REVIEW, risk=0.9)
        spam = make_comment(self.article, status=S.SPAM, risk=0.95)
        response = self.client.get(QUEUE, {"queue": "flagged"})
        self.assertEqual((shown_ids(response), response.context["depth"]), ([flagged.pk], 1))
        self.assertContains(response, 'aria-current="page" class="is-current">Flagged toxic</a>')
        response = self.client.get(QUEUE, {"queue": "spam"})
        self.assertEqual(shown_ids(response), [spam.pk])
        # An unknown queue falls back to the review queue.
        self.assertEqual(len(shown_ids(self.client.get(QUEUE, {"queue": "nope"}))), 2)

    def test_spam_folder_comment_can_be_restored(self):
        spam = make_comment(self.article, status=S.SPAM)
        self.client.post(DECIDE, {"action": "approve", "ids": [spam.pk]}, **JSON)
        spam.refresh_from_db()
        self.assertEqual(spam.status, S.APPROVED)


class ChangePageRejectTests(BaseTestCase):
    def test_reject_button_on_the_change_page_carries_the_chosen_reason(self):
        self.client.force_login(self.editor)
        c = make_comment(self.article, status=S.REVIEW)
        page = self.client.get(reverse("admin:comments_comment_change", args=[c.pk]))
        self.assertContains(page, '<option value="personal_data">Personal data</option>', html=True)
        self.client.post(reverse("admin:comments_comment_reject", args=[c.pk]), {"reason_code": "personal_data"})
        self.assertEqual(c.events.get().reason_code, "personal_data")
        d = make_comment(self.article, status=S.REVIEW)
        response = self.client.post(
            reverse("admin:comments_comment_reject", args=[d.pk]), {"reason_code": "bogus"}, follow=True
        )
        self.assertContains(response, "Unknown reason &#x27;bogus&#x27;")
        d.refresh_from_db()
        self.assertEqual(d.status, S.REVIEW)


class TrainingLabelTests(BaseTestCase):
    def test_latest_editor_decision_is_the_label_and_an_undo_withdraws_it(self):
        from comments.selectors import comment_label_list
        from comments.services import comment_reject

        changed = make_comment(self.article, status=S.REVIEW, body="first text")
        comment_approve(comment=changed, actor=self.editor)
        comment_reject(comment=changed, actor=self.editor, reason_code="legal")
        undone = make_comment(self.article, status=S.REVIEW)
        comment_approve(comment=undone, actor=self.editor)
        comment_undo_decision(comment=undone, actor=self.editor)
        make_comment(self.article, status=S.REVIEW)  # never decided
        labels = list(comment_label_list())
        self.assertEqual(
            [(row["comment_id"], row["reason_code"], row["body_snapshot"]) for row in labels],
            [(changed.pk, "legal", "first text")],
        )
