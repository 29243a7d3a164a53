"""The one public rule, on every surface.

A comment is public when it is approved, on a published article whose
``published_at`` has passed, and, for a reply, under a public comment
(``comments.selectors.comment_list_public``). The article page, the article
list, the API list and detail, the counts and the webhooks all follow it:
an approved comment that is not public shows nowhere and is sent to no
partner; one that becomes public later, when its parent or its article
does, shows and is sent then.
"""

from datetime import timedelta

from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from articles.models import Article
from comments.models import CommentStatus
from comments.services import comment_approve, comment_mark_spam, comment_reject
from partners.models import WebhookDelivery, WebhookEndpoint
from partners.services import webhook_sync_publication
from tests.base import BaseTestCase, make_comment

S = CommentStatus
APPROVED = "comment.approved"
REMOVED = "comment.removed"


class PublicRuleTestCase(BaseTestCase):
    def setUp(self):
        self.endpoint = WebhookEndpoint.objects.create(name="Partner", url="http://127.0.0.1:9/hook")
        self.draft = Article.objects.create(slug="draft", headline="Draft", body="x", is_published=False)
        self.scheduled = Article.objects.create(
            slug="scheduled", headline="Scheduled", body="x", is_published=True,
            published_at=timezone.now() + timedelta(days=1),
        )

    def commit(self, change, *args, **kwargs):
        """Run a service as one committed change: its cache bumps and its
        webhook messages happen."""
        with self.captureOnCommitCallbacks(execute=True):
            return change(*args, **kwargs)

    def approve(self, comment):
        return self.commit(comment_approve, comment=comment, actor=self.editor)

    def events(self, comment):
        return list(
            WebhookDelivery.objects.filter(comment_id=comment.pk).order_by("id").values_list("event", flat=True)
        )

    def seen(self, comment) -> dict[str, object]:
        """Where the public sees this comment, surface by surface, and
        the counts of its article."""
        article = Article.objects.get(pk=comment.article_id)
        page = Client().get(article.get_absolute_url())
        listing = APIClient().get(f"/api/articles/{article.slug}/comments/")
        counts = APIClient().get("/api/comment-counts/", {"articles": article.slug}).json()
        listed = {a.slug: a.comment_count for a in Client().get("/").context["articles"]}
        return {
            "page": page.status_code == 200 and comment.body in page.content.decode(),
            "page count": page.context["article"].comment_count if page.status_code == 200 else None,
            "article list count": listed.get(article.slug),
            "api list": listing.status_code == 200 and comment.pk in [c["id"] for c in listing.json()["results"]],
            "api detail": APIClient().get(f"/api/comments/{comment.pk}/").status_code == 200,
            "counts api": counts[article.slug],
            "webhook": APPROVED in self.events(comment),
        }


def public_everywhere(count):
    return {
        "page": True, "page count": count, "article list count": count, "api list": True,
        "api detail": True, "counts api": count, "webhook": True,
    }


def hidden_everywhere(*, count=0, article_listed=True):
    """Not public: on a listed article (count = its other public comments),
    or on one that is not published (no page, not listed, counted 0)."""
    return {
        "page": False, "page count": count if article_listed else None,
        "article list count": count if article_listed else None, "api list": False,
        "api detail": False, "counts api": count, "webhook": False,
    }


class ApprovedButNotPublicTests(PublicRuleTestCase):
    """Every way an approved comment can be not public, on every surface."""

    def test_a_public_comment_is_seen_everywhere(self):
        # The control: the surfaces below can see a comment at all.
        comment = self.approve(make_comment(self.article, status=S.REVIEW, body="Seen everywhere"))
        self.assertEqual(self.seen(comment), public_everywhere(1))
        reply = self.approve(make_comment(self.article, status=S.REVIEW, body="A seen reply", parent=comment))
        self.assertEqual(self.seen(reply), public_everywhere(2))

    def test_not_approved(self):
        for status in (S.PENDING, S.CHECKING, S.REVIEW, S.REJECTED, S.SPAM, S.REMOVED):
            with self.subTest(status):
                comment = make_comment(self.article, status=status, body=f"A {status} comment")
                self.assertEqual(self.seen(comment), hidden_everywhere())

    def test_reply_under_a_comment_that_is_not_public(self):
        for status in (S.PENDING, S.REVIEW, S.REJECTED, S.SPAM, S.REMOVED):
            with self.subTest(status):
                parent = make_comment(self.article, status=status, body=f"A {status} parent")
                reply = self.approve(make_comment(self.article, status=S.REVIEW, body=f"Reply to {status}", parent=parent))
                self.assertEqual(reply.status, S.APPROVED)
                self.assertEqual(self.seen(reply), hidden_everywhere())

    def test_reply_under_a_parent_taken_down_after_both_were_public(self):
        parent = self.approve(make_comment(self.article, status=S.REVIEW, body="Parent"))
        reply = self.approve(make_comment(self.article, status=S.REVIEW, body="Its reply", parent=parent))
        self.commit(comment_reject, comment=parent, actor=self.editor, reason_code="toxic")
        self.assertEqual({**self.seen(reply), "webhook": None}, {**hidden_everywhere(), "webhook": None})
        self.assertEqual(self.events(reply), [APPROVED, REMOVED])

    def test_on_an_unpublished_article(self):
        comment = self.approve(make_comment(self.draft, status=S.REVIEW, body="On a draft"))
        self.assertEqual(comment.status, S.APPROVED)
        self.assertEqual(self.seen(comment), hidden_everywhere(article_listed=False))

    def test_on_a_scheduled_article(self):
        comment = self.approve(make_comment(self.scheduled, status=S.REVIEW, body="Too early"))
        self.assertEqual(comment.status, S.APPROVED)
        self.assertEqual(self.seen(comment), hidden_everywhere(article_listed=False))

    def test_reply_under_an_approved_comment_on_an_article_not_public(self):
        for article in (self.draft, self.scheduled):
            with self.subTest(article.slug):
                parent = self.approve(make_comment(article, status=S.REVIEW, body="Approved parent"))
                reply = self.approve(make_comment(article, status=S.REVIEW, body="Its reply", parent=parent))
                self.assertEqual(self.seen(parent), hidden_everywhere(article_listed=False))
                self.assertEqual(self.seen(reply), hidden_everywhere(article_listed=False))

    def test_trusted_commenter_published_at_once_on_a_draft_sends_nothing(self):
        """The check task approves a trusted commenter's comment itself
        (comments.services.comment_check); the rule holds there too."""
        from comments import hooks
        from comments.services import comment_check

        def trusted(*, comment, spam, flagged):
            return "Trusted commenter"

        hooks.add_publish_reason(trusted)
        self.addCleanup(hooks.unregister, trusted)
        on_draft = make_comment(self.draft, status=S.PENDING, body="Trusted, on a draft")
        on_article = make_comment(self.article, status=S.PENDING, body="Trusted, on the article")
        for comment in (on_draft, on_article):
            self.commit(comment_check, comment_id=comment.pk)
            comment.refresh_from_db()
            self.assertEqual(comment.status, S.APPROVED)
        self.assertEqual(self.events(on_draft), [])
        self.assertEqual(self.events(on_article), [APPROVED])


class BecomingPublicLaterTests(PublicRuleTestCase):
    """An approved comment that was not public is sent when it becomes
    public, once, and partners hear when it stops being public."""

    def test_reply_is_sent_when_its_parent_is_approved(self):
        parent = make_comment(self.article, status=S.REJECTED, body="Rejected parent")
        reply = self.approve(make_comment(self.article, status=S.REVIEW, body="Early reply", parent=parent))
        self.assertEqual(self.events(reply), [])
        self.approve(parent)
        self.assertEqual(self.seen(reply), public_everywhere(2))
        self.assertEqual(self.events(reply), [APPROVED])
        # Rejected again: partners stop showing both; spam after that
        # (not public either way) sends nothing more about the reply.
        self.commit(comment_reject, comment=parent, actor=self.editor, reason_code="toxic")
        self.commit(comment_mark_spam, comment=parent, actor=self.editor)
        self.assertEqual(self.events(reply), [APPROVED, REMOVED])
        self.assertEqual(self.seen(reply), {**hidden_everywhere(), "webhook": True})

    def test_approving_the_parent_on_a_draft_sends_neither(self):
        parent = make_comment(self.draft, status=S.REVIEW, body="Parent on a draft")
        reply = self.approve(make_comment(self.draft, status=S.REVIEW, body="Reply on a draft", parent=parent))
        self.approve(parent)
        self.assertEqual((self.events(parent), self.events(reply)), ([], []))

    def test_comments_are_sent_when_their_article_is_published(self):
        parent = self.approve(make_comment(self.draft, status=S.REVIEW, body="Waiting for the article"))
        reply = self.approve(make_comment(self.draft, status=S.REVIEW, body="A reply, waiting", parent=parent))
        held = make_comment(self.draft, status=S.REVIEW, body="Still held")
        self.assertEqual(self.commit(webhook_sync_publication), 0)

        self.draft.is_published = True
        self.draft.save()  # as the admin does
        self.assertEqual(self.commit(webhook_sync_publication), 2)
        self.assertEqual(self.seen(parent), public_everywhere(2))
        self.assertEqual(self.seen(reply), public_everywhere(2))
        self.assertEqual((self.events(parent), self.events(reply), self.events(held)), ([APPROVED], [APPROVED], []))
        # Each is sent once, however often the sweep runs, and a run with
        # nothing to send reads no comment rows.
        with self.assertNumQueries(4):  # endpoints, any approved, public ones, last events
            self.assertEqual(self.commit(webhook_sync_publication), 0)

        # Unpublished again: partners must stop showing them.
        self.draft.is_published = False
        self.draft.save()
        self.assertEqual(self.commit(webhook_sync_publication), 2)
        self.assertEqual((self.events(parent), self.events(reply)), ([APPROVED, REMOVED], [APPROVED, REMOVED]))
        self.assertEqual(self.commit(webhook_sync_publication), 0)

    def test_comments_are_sent_when_a_scheduled_article_comes_out(self):
        comment = self.approve(make_comment(self.scheduled, status=S.REVIEW, body="Before its time"))
        self.assertEqual(self.commit(webhook_sync_publication), 0)
        # Its time comes; nobody saves the article.
        long_ago = timezone.now() - timedelta(days=30)
        Article.objects.filter(pk=self.scheduled.pk).update(
            published_at=timezone.now() - timedelta(seconds=1), updated_at=long_ago
        )
        self.assertEqual(self.commit(webhook_sync_publication), 1)
        self.assertEqual(self.seen(comment), public_everywhere(1))
        self.assertEqual(self.events(comment), [APPROVED])

    def test_the_beat_task_runs_it(self):
        from partners.tasks import webhook_sweep_stuck

        comment = self.approve(make_comment(self.draft, status=S.REVIEW, body="Sent by the sweep"))
        Article.objects.filter(pk=self.draft.pk).update(is_published=True, updated_at=timezone.now())
        with self.captureOnCommitCallbacks(execute=True):
            webhook_sweep_stuck.apply()
        self.assertEqual(self.events(comment), [APPROVED])

    def test_an_endpoint_hears_only_of_approvals_after_it_was_created(self):
        before = self.approve(make_comment(self.draft, status=S.REVIEW, body="Approved before"))
        self.endpoint.delete()
        later = WebhookEndpoint.objects.create(name="Later", url="http://127.0.0.1:9/later")
        after = self.approve(make_comment(self.draft, status=S.REVIEW, body="Approved after"))
        Article.objects.filter(pk=self.draft.pk).update(is_published=True, updated_at=timezone.now())
        self.commit(webhook_sync_publication)
        self.assertEqual(self.events(before), [])
        self.assertEqual(self.events(after), [APPROVED])
        self.assertEqual(WebhookDelivery.objects.get().endpoint, later)
