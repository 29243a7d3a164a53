"""The article page's public comment section is cached per article
version: served without touching the comment tables, the same HTML as
rendered from the database, and gone the moment a status change commits."""

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from comments.models import CommentStatus
from comments.services import comment_approve, comment_edit, comment_reject, comment_withdraw
from tests.base import BaseTestCase, make_comment

S = CommentStatus


def approved(article, body, minutes_ago=0, **fields):
    return make_comment(
        article, status=S.APPROVED, body=body,
        approved_at=timezone.now() - timedelta(minutes=minutes_ago), **fields,
    )


class PageCacheTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.first = approved(cls.article, "First public comment", minutes_ago=30)
        cls.second = approved(cls.article, "Second public comment", minutes_ago=20)
        cls.reply = approved(cls.article, "A public reply", minutes_ago=10, parent=cls.first)
        cls.waiting = make_comment(cls.article, status=S.REVIEW, body="Waiting for an editor")

    def setUp(self):
        self.url = self.article.get_absolute_url()

    def page(self, client=None) -> str:
        response = (client or self.client).get(self.url)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_cached_section_costs_one_query_and_is_the_same_html(self):
        with override_settings(COMMENT_PAGE_CACHE=False):
            from_database = self.page()
        self.page()  # fills the cache
        with self.assertNumQueries(1):  # the article; the section from Redis
            cached = self.page()
        self.assertIn("First public comment", cached)
        self.assertIn("A public reply", cached)
        self.assertIn("(3)", cached)
        strip = lambda html: [line for line in html.splitlines() if "csrfmiddlewaretoken" not in line
                              and 'name="shown_at"' not in line]
        self.assertEqual(strip(cached), strip(from_database))

    @override_settings(COMMENT_PAGE_CACHE=False)
    def test_cache_off_reads_the_database_every_time(self):
        self.page()
        with self.assertNumQueries(4):  # article, count, page, replies
            self.page()

    def test_approve_shows_the_comment_at_once(self):
        self.assertNotIn("Waiting for an editor", self.page())
        with self.captureOnCommitCallbacks(execute=True):
            comment_approve(comment=self.waiting, actor=self.editor)
        html = self.page()
        self.assertIn("Waiting for an editor", html)
        self.assertIn("(4)", html)

    def test_reject_removes_the_comment_and_its_replies_at_once(self):
        self.assertIn("A public reply", self.page())
        with self.captureOnCommitCallbacks(execute=True):
            comment_reject(comment=self.first, actor=self.editor)
        html = self.page()
        self.assertNotIn("First public comment", html)
        self.assertNotIn("A public reply", html)
        self.assertIn("(1)", html)

    def test_authors_edit_and_withdrawal_leave_the_public_page_at_once(self):
        mine = approved(self.article, "My words before the edit", minutes_ago=0)
        gone = approved(self.article, "Words I withdraw", minutes_ago=0)
        html = self.page()
        self.assertIn("My words before the edit", html)
        self.assertIn("Words I withdraw", html)
        with self.captureOnCommitCallbacks(execute=True):
            comment_edit(comment=mine, body="My words after the edit")
        with self.captureOnCommitCallbacks(execute=True):
            comment_withdraw(comment=gone)
        html = self.page()
        self.assertNotIn("My words", html)  # back to pending: not public
        self.assertNotIn("Words I withdraw", html)

    def test_a_page_holding_the_readers_own_or_reported_comment_is_theirs(self):
        anonymous = self.page()  # cached for everyone
        self.assertEqual(anonymous.count('class="action action-report"'), 3)
        session = self.client.session
        session["own_comments"] = [self.second.pk]
        session["reported_comments"] = [self.first.pk]
        session.save()
        html = self.page()
        self.assertIn(f"/comments/{self.second.pk}/edit/", html)
        self.assertIn('<span class="action reported">Reported</span>', html)
        self.assertEqual(html.count('class="action action-report"'), 1)  # the reply only
        # Everyone else still gets the public section.
        from django.test import Client

        self.assertEqual(self.page(Client()).count('class="action action-report"'), 3)

    def test_readers_pending_comment_is_theirs_and_the_section_still_cached(self):
        self.page()
        response = self.client.post(
            self.url, {"author_name": "Ivo", "author_email": "ivo@example.org", "body": "Mine, pending"}
        )
        self.assertEqual(response.status_code, 302)
        # Session, article, own comments; the public section from Redis.
        with self.assertNumQueries(3):
            html = self.page()
        self.assertIn("Mine, pending", html)
        self.assertIn("Awaiting moderation", html)
        self.assertIn("First public comment", html)
