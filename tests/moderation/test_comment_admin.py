from django.urls import reverse

from comments.models import CommentStatus
from tests.base import BaseTestCase, make_comment

S = CommentStatus
CHANGELIST = reverse("admin:comments_comment_changelist")


class CommentAdminTests(BaseTestCase):
    def setUp(self):
        self.client.force_login(self.editor)

    def test_changelist_orders_flagged_then_risk(self):
        calm = make_comment(self.article, status=S.REVIEW, body="calm", risk=0.1)
        risky = make_comment(self.article, status=S.REVIEW, body="risky", risk=0.8)
        toxic = make_comment(self.article, status=S.REVIEW, body="toxic", risk=0.6, flagged=True)
        response = self.client.get(CHANGELIST)
        self.assertEqual(response.status_code, 200)
        shown = [c.pk for c in response.context["cl"].result_list]
        self.assertEqual(shown, [toxic.pk, risky.pk, calm.pk])

    def test_changelist_shows_scores_and_reasons(self):
        make_comment(
            self.article, status=S.REVIEW, spam_score=0.42, toxicity_score=0.77,
            reasons=[{"checker": "terms", "head": "toxicity", "message": "Abusive terms", "spans": ["idiot"]}],
        )
        response = self.client.get(CHANGELIST)
        self.assertContains(response, "0.42")
        self.assertContains(response, "0.77")
        self.assertContains(response, "Abusive terms (idiot)")

    def test_filter_and_search(self):
        make_comment(self.article, status=S.SPAM, body="buy pills")
        make_comment(self.article, status=S.REVIEW, body="fair point", author_name="Zed")
        response = self.client.get(CHANGELIST, {"status__exact": "spam"})
        self.assertEqual([c.body for c in response.context["cl"].result_list], ["buy pills"])
        response = self.client.get(CHANGELIST, {"q": "Zed"})
        self.assertEqual([c.body for c in response.context["cl"].result_list], ["fair point"])

    def test_changelist_queries_constant(self):
        for i in range(5):
            make_comment(self.article, status=S.REVIEW, body=f"c{i}")
        self.client.get(CHANGELIST)
        with self.assertNumQueries(7) as ctx:
            self.client.get(CHANGELIST)
        for i in range(40):
            make_comment(self.article, status=S.REVIEW, body=f"d{i}")
        with self.assertNumQueries(len(ctx.captured_queries)):
            self.client.get(CHANGELIST)

    def test_approve_and_reject_actions(self):
        a = make_comment(self.article, status=S.REVIEW)
        b = make_comment(self.article, status=S.REVIEW)
        response = self.client.post(
            CHANGELIST, {"action": "approve_comments", "_selected_action": [a.pk]}, follow=True
        )
        self.assertContains(response, "Approved 1 comment(s).")
        self.client.post(CHANGELIST, {"action": "reject_comments", "_selected_action": [b.pk]})
        a.refresh_from_db()
        b.refresh_from_db()
        self.assertEqual((a.status, b.status), (S.APPROVED, S.REJECTED))
        self.assertEqual(a.events.get().actor, self.editor)

    def test_reject_actions_record_the_reason_the_detectors_learn_from(self):
        comments = {code: make_comment(self.article, status=S.REVIEW, body=code) for code in ("spam", "toxic", "off_topic", "other")}
        actions = {"spam": "reject_as_spam", "toxic": "reject_as_toxic", "off_topic": "reject_as_off_topic", "other": "reject_comments"}
        for code, action in actions.items():
            response = self.client.post(CHANGELIST, {"action": action, "_selected_action": [comments[code].pk]}, follow=True)
            self.assertContains(response, "Rejected 1 comment(s).")
        for code, comment in comments.items():
            event = comment.events.get()
            self.assertEqual((event.to_status, event.reason_code), (S.REJECTED, code))

    def test_approving_twice_changes_nothing(self):
        a = make_comment(self.article, status=S.REVIEW)
        for _ in range(2):
            self.client.post(CHANGELIST, {"action": "approve_comments", "_selected_action": [a.pk]})
        a.refresh_from_db()
        self.assertEqual(a.status, S.APPROVED)
        self.assertEqual(a.events.count(), 1)

    def test_change_page_shows_text_scores_reasons_history_and_buttons(self):
        c = make_comment(self.article, status=S.REVIEW, body="Full text\nsecond line", spam_score=0.3)
        self.client.post(reverse("admin:comments_comment_approve", args=[c.pk]), {"reason": "Civil"})
        response = self.client.get(reverse("admin:comments_comment_change", args=[c.pk]))
        self.assertContains(response, "Full text\nsecond line")
        self.assertContains(response, "0.30")
        self.assertContains(response, "Moderation history")
        self.assertContains(response, "review → approved")
        self.assertContains(response, "Civil")
        self.assertContains(response, "alice")
        self.assertContains(response, reverse("admin:comments_comment_reject", args=[c.pk]))

    def test_decide_view_refuses_get(self):
        c = make_comment(self.article, status=S.REVIEW)
        response = self.client.get(reverse("admin:comments_comment_approve", args=[c.pk]))
        self.assertEqual(response.status_code, 405)


class CommentAdminPermissionTests(BaseTestCase):
    def test_staff_without_moderate_permission_cannot_see_or_act(self):
        c = make_comment(self.article, status=S.REVIEW)
        self.client.force_login(self.staffer)
        self.assertEqual(self.client.get(CHANGELIST).status_code, 403)
        self.client.post(CHANGELIST, {"action": "approve_comments", "_selected_action": [c.pk]})
        response = self.client.post(reverse("admin:comments_comment_approve", args=[c.pk]))
        self.assertEqual(response.status_code, 403)
        c.refresh_from_db()
        self.assertEqual(c.status, S.REVIEW)

    def test_event_log_is_read_only_in_admin(self):
        self.client.force_login(self.editor)
        url = reverse("admin:comments_moderationevent_changelist")
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.get(reverse("admin:comments_moderationevent_add")).status_code, 403)
