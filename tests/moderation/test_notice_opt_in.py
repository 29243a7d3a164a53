"""Commenters' notices are no mail relay (issue #15 item 3): double opt-in
per address, nothing a commenter wrote reaches an unconfirmed address,
never a notice for spam, and a daily cap per recipient."""

import re

from django.core import mail
from django.test import override_settings

from comments.models import CommentStatus
from comments.services import comment_approve, comment_mark_spam, comment_reject
from moderation.models import NoticeAddress
from moderation.services import comment_notify_author, notice_address_hash
from tests.base import BaseTestCase, make_comment

S = CommentStatus
VICTIM = "victim@example.org"
PAYLOAD_TEXT = "Buy cheap pills at pills.example, best prices"


class NoticeOptInTests(BaseTestCase):
    def decided(self, *, body=PAYLOAD_TEXT, name="Pill Seller", decide=comment_reject, **kwargs):
        c = make_comment(self.article, status=S.REVIEW, notify_author=True, author_email=VICTIM,
                         author_name=name, body=body)
        decide(comment=c, actor=self.editor, **kwargs)
        c.refresh_from_db()
        return c

    def test_an_unconfirmed_address_gets_one_confirmation_quoting_nothing(self):
        first = self.decided()
        self.assertFalse(comment_notify_author(comment_id=first.pk, status=S.REJECTED))
        second = self.decided(body="Another advert", decide=comment_approve)
        self.assertFalse(comment_notify_author(comment_id=second.pk, status=S.APPROVED))
        self.assertEqual(len(mail.outbox), 1)
        sent = mail.outbox[0]
        self.assertEqual(sent.to, [VICTIM])
        self.assertEqual(sent.subject, "Confirm notices from The Newsroom")
        for chosen in (PAYLOAD_TEXT, "pills", "Pill Seller", "Another advert"):
            self.assertNotIn(chosen, sent.subject + sent.body)
        self.assertIsNotNone(NoticeAddress.objects.get(email_hash=notice_address_hash(VICTIM)).confirmation_sent_at)

    def test_confirming_by_the_link_sends_the_waiting_notices(self):
        c = self.decided(decide=comment_approve, body="My fair point.")
        comment_notify_author(comment_id=c.pk, status=S.APPROVED)
        link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
        path = link.split("8000", 1)[1] if "8000" in link else link
        page = self.client.get(path)
        self.assertContains(page, "Confirm that this address may receive e-mails")
        self.assertEqual(len(mail.outbox), 1)  # opening the link confirms nothing
        done = self.client.post(path)
        self.assertContains(done, "Confirmed.")
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(mail.outbox[1].subject, "Your comment was published")
        self.assertIn("My fair point.", mail.outbox[1].body)
        # Later decisions are mailed at once; no second confirmation.
        later = self.decided(decide=comment_approve, body="Later point.")
        self.assertTrue(comment_notify_author(comment_id=later.pk, status=S.APPROVED))
        self.assertEqual(len(mail.outbox), 3)

    def test_a_forged_or_expired_link_changes_nothing(self):
        response = self.client.post("/notices/confirm/not-a-token/")
        self.assertContains(response, "This confirmation link is not valid.", status_code=400)
        self.assertFalse(NoticeAddress.objects.filter(confirmed_at__isnull=False).exists())

    def test_spam_is_never_notified_even_to_a_confirmed_address(self):
        NoticeAddress.objects.create(email_hash=notice_address_hash(VICTIM), confirmed_at="2026-01-01T00:00Z")
        as_spam = self.decided(reason_code="spam")  # "Reject selected comments as spam"
        self.assertFalse(comment_notify_author(comment_id=as_spam.pk, status=S.REJECTED))
        marked = self.decided(decide=comment_mark_spam)
        self.assertFalse(comment_notify_author(comment_id=marked.pk, status=S.SPAM))
        self.assertEqual(mail.outbox, [])

    @override_settings(NOTICE_MAILS_PER_DAY=3)
    def test_at_most_so_many_mails_a_day_per_recipient(self):
        NoticeAddress.objects.create(email_hash=notice_address_hash(VICTIM), confirmed_at="2026-01-01T00:00Z")
        sent = [
            comment_notify_author(comment_id=self.decided(decide=comment_approve, body=f"c{i}").pk, status=S.APPROVED)
            for i in range(5)
        ]
        self.assertEqual(sent, [True, True, True, False, False])
        self.assertEqual(len(mail.outbox), 3)
