"""The public read API: pagination, sync, counts, HTTP caching, and
invalidation on every status change."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from articles.models import Article
from comments.models import Comment, CommentStatus
from comments.services import (
    comment_approve,
    comment_edit,
    comment_mark_spam,
    comment_reject,
    comment_withdraw,
)
from tests.base import SEED_SLUG, BaseTestCase, make_comment

S = CommentStatus
LIST_URL = f"/api/articles/{SEED_SLUG}/comments/"


def approved(article, n, *, start=None, prefix="c"):
    """n approved comments, approved one second apart, oldest first."""
    start = start or timezone.now() - timedelta(days=1)
    return Comment.objects.bulk_create(
        Comment(
            article=article, author_name="R", author_email="r@example.org",
            body=f"{prefix}{i}", status=S.APPROVED, approved_at=start + timedelta(seconds=i),
        )
        for i in range(n)
    )


def walk(client, url):
    """Follow `next` links; return every page's ids."""
    pages = []
    while url:
        data = client.get(url).json()
        pages.append([c["id"] for c in data["results"]])
        url = data["next"]
    return pages


class CommentListParamsTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.comments = approved(cls.article, 7)

    def test_newest_first(self):
        data = APIClient().get(LIST_URL + "?ordering=newest&page_size=3").json()
        self.assertEqual([c["id"] for c in data["results"]], [c.pk for c in self.comments[::-1][:3]])

    def test_page_size_default_20_and_links_keep_it(self):
        data = APIClient().get(LIST_URL + "?page_size=2").json()
        self.assertEqual(len(data["results"]), 2)
        self.assertIn("page_size=2", data["next"])

    def test_since_returns_only_later_approvals(self):
        since = self.comments[4].approved_at.isoformat()
        data = APIClient().get(LIST_URL, {"since": since}).json()
        self.assertEqual([c["id"] for c in data["results"]], [c.pk for c in self.comments[5:]])

    def test_bad_parameters_are_400_with_messages(self):
        client = APIClient()
        response = client.get(LIST_URL + "?page_size=101&ordering=random&since=yesterday")
        self.assertEqual(response.status_code, 400)
        errors = response.json()
        self.assertEqual(errors["page_size"], ["Ensure this value is less than or equal to 100."])
        self.assertEqual(errors["ordering"], ['"random" is not a valid choice.'])
        self.assertIn("Datetime has wrong format.", errors["since"][0])
        self.assertEqual(
            client.get(LIST_URL + "?page_size=0").json(),
            {"page_size": ["Ensure this value is greater than or equal to 1."]},
        )

    def test_bad_cursor_is_404(self):
        response = APIClient().get(LIST_URL + "?cursor=garbage")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json(), {"detail": "Invalid cursor"})


class CursorStabilityTests(BaseTestCase):
    """Walking `next` while editors approve and remove comments neither
    skips nor repeats a comment."""

    def setUp(self):
        self.old = approved(self.article, 12)
        self.queue = [make_comment(self.article, status=S.REVIEW, body=f"new{i}") for i in range(3)]
        self.approved_meanwhile = []

    def approve_one(self):
        comment = self.queue.pop()
        with self.captureOnCommitCallbacks(execute=True):
            comment_approve(comment=comment, actor=self.editor)
        self.approved_meanwhile.append(comment.pk)

    def test_oldest_first_sees_every_comment_once_new_ones_at_the_end(self):
        client = APIClient()
        data = client.get(LIST_URL + "?page_size=5").json()
        seen = [c["id"] for c in data["results"]]
        url = data["next"]
        while url:
            self.approve_one() if self.queue else None
            data = client.get(url).json()
            seen += [c["id"] for c in data["results"]]
            url = data["next"]
        self.assertEqual(len(seen), len(set(seen)))
        # Approved during the walk: at the end, in order of approval.
        self.assertEqual(seen, [c.pk for c in self.old] + self.approved_meanwhile)
        self.assertEqual(len(self.approved_meanwhile), 2)

    def test_newest_first_neither_skips_nor_repeats_older_ones(self):
        client = APIClient()
        data = client.get(LIST_URL + "?page_size=5&ordering=newest").json()
        seen = [c["id"] for c in data["results"]]
        url = data["next"]
        while url:
            self.approve_one() if self.queue else None
            data = client.get(url).json()
            seen += [c["id"] for c in data["results"]]
            url = data["next"]
        self.assertEqual(seen, [c.pk for c in reversed(self.old)])

    def test_a_removal_between_pages_does_not_shift_the_next_page(self):
        client = APIClient()
        data = client.get(LIST_URL + "?page_size=5").json()
        with self.captureOnCommitCallbacks(execute=True):
            comment_reject(comment=self.old[1], actor=self.editor, reason_code="toxic")
        second = client.get(data["next"]).json()
        self.assertEqual([c["id"] for c in second["results"]], [c.pk for c in self.old[5:10]])


class CommentDetailApiTests(BaseTestCase):
    def test_approved_comment(self):
        comment = make_comment(self.article, status=S.APPROVED, body="Visible")
        with self.assertNumQueries(1):
            response = APIClient().get(f"/api/comments/{comment.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["body"], "Visible")
        self.assertNotIn("author_email", response.json())

    def test_anything_not_public_is_404(self):
        for status in (S.PENDING, S.CHECKING, S.REVIEW, S.REJECTED, S.SPAM, S.REMOVED):
            comment = make_comment(self.article, status=status)
            self.assertEqual(APIClient().get(f"/api/comments/{comment.pk}/").status_code, 404, status)
        draft = Article.objects.create(slug="draft", headline="D", body="x", is_published=False)
        hidden = make_comment(draft, status=S.APPROVED)
        self.assertEqual(APIClient().get(f"/api/comments/{hidden.pk}/").status_code, 404)
        self.assertEqual(APIClient().get("/api/comments/999999/").status_code, 404)


class CommentCountsApiTests(BaseTestCase):
    def test_counts_per_slug_in_one_query(self):
        other = Article.objects.create(slug="other", headline="O", body="x", is_published=True)
        draft = Article.objects.create(slug="draft", headline="D", body="x", is_published=False)
        approved(self.article, 3)
        approved(draft, 2)
        make_comment(other, status=S.REVIEW)
        make_comment(other, status=S.APPROVED)
        with self.assertNumQueries(1):
            response = APIClient().get(f"/api/comment-counts/?articles={SEED_SLUG},other,draft,nope")
        self.assertEqual(response.json(), {SEED_SLUG: 3, "other": 1, "draft": 0, "nope": 0})
        self.assertIn("ETag", response)

    def test_missing_or_too_many_slugs_400(self):
        client = APIClient()
        self.assertEqual(
            client.get("/api/comment-counts/").json(), {"articles": ["This field is required."]}
        )
        self.assertEqual(
            client.get("/api/comment-counts/?articles=a,,b").json(),
            {"articles": ["'' is not an article slug."]},
        )
        many = ",".join(f"s{i}" for i in range(101))
        self.assertEqual(
            client.get(f"/api/comment-counts/?articles={many}").json(),
            {"articles": ["At most 100 article slugs at a time."]},
        )


class HttpCachingTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.comments = approved(cls.article, 60)

    def test_queries_per_request_constant_cold_and_cached(self):
        client = APIClient()
        for size in (5, 50):
            with self.assertNumQueries(2):  # the article, then one page
                client.get(f"{LIST_URL}?page_size={size}")
            with self.assertNumQueries(1):  # the article; the page from Redis
                client.get(f"{LIST_URL}?page_size={size}")
        next_url = client.get(f"{LIST_URL}?page_size=50").json()["next"]
        with self.assertNumQueries(2):
            client.get(next_url)

    def test_etag_last_modified_and_cache_control(self):
        response = APIClient().get(LIST_URL)
        self.assertEqual(response.status_code, 200)
        self.assertRegex(response["ETag"], r'^"[0-9a-f]{32}"$')
        self.assertIn("GMT", response["Last-Modified"])
        self.assertEqual(response["Cache-Control"], "public, no-cache")

    def test_304_on_if_none_match_and_if_modified_since(self):
        client = APIClient()
        first = client.get(LIST_URL)
        again = client.get(LIST_URL, HTTP_IF_NONE_MATCH=first["ETag"])
        self.assertEqual(again.status_code, 304)
        self.assertEqual(again.content, b"")
        self.assertEqual(again["ETag"], first["ETag"])
        since = client.get(LIST_URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        self.assertEqual(since.status_code, 304)
        stale = client.get(LIST_URL, HTTP_IF_NONE_MATCH='"something-else"')
        self.assertEqual(stale.status_code, 200)
        detail = client.get(f"/api/comments/{self.comments[0].pk}/")
        self.assertEqual(
            client.get(f"/api/comments/{self.comments[0].pk}/", HTTP_IF_NONE_MATCH=detail["ETag"]).status_code,
            304,
        )

    def test_max_age_setting_for_cdns(self):
        with self.settings(API_CACHE_MAX_AGE=30):
            response = APIClient().get(LIST_URL)
        self.assertEqual(
            response["Cache-Control"], "public, max-age=30, s-maxage=30, stale-while-revalidate=30"
        )


class CacheInvalidationTests(BaseTestCase):
    """Every change to what the public may see reaches the cached lists
    at once, and a removed comment is never served after its removal."""

    def setUp(self):
        self.visible = make_comment(self.article, status=S.APPROVED, body="Visible")
        self.client = APIClient()
        self.etag = self.client.get(LIST_URL)["ETag"]

    def bodies(self):
        response = self.client.get(LIST_URL)
        return [c["body"] for c in response.json()["results"]], response["ETag"]

    def test_approval_shows_at_once(self):
        waiting = make_comment(self.article, status=S.REVIEW, body="Waiting")
        with self.captureOnCommitCallbacks(execute=True):
            comment_approve(comment=waiting, actor=self.editor)
        bodies, etag = self.bodies()
        self.assertEqual(bodies, ["Visible", "Waiting"])
        self.assertNotEqual(etag, self.etag)
        self.assertEqual(self.client.get(LIST_URL, HTTP_IF_NONE_MATCH=self.etag).status_code, 200)

    def test_rejection_and_spam_hide_at_once(self):
        for decide in (
            lambda c: comment_reject(comment=c, actor=self.editor, reason_code="toxic"),
            lambda c: comment_mark_spam(comment=c, actor=self.editor),
        ):
            comment = make_comment(self.article, status=S.REVIEW, body="Doomed")
            with self.captureOnCommitCallbacks(execute=True):
                comment_approve(comment=comment, actor=self.editor)
            self.assertIn("Doomed", self.bodies()[0])  # cached with it
            with self.captureOnCommitCallbacks(execute=True):
                decide(comment)
            self.assertEqual(self.bodies()[0], ["Visible"])

    def test_removed_or_edited_comment_is_never_served_after(self):
        # Its author withdraws it, or edits it (back to the checks), with
        # the services the reader page and the API call.
        for change in (
            lambda c: comment_withdraw(comment=c),
            lambda c: comment_edit(comment=c, body="Edited after approval"),
        ):
            comment = make_comment(self.article, status=S.REVIEW, body="Withdrawn")
            with self.captureOnCommitCallbacks(execute=True):
                comment_approve(comment=comment, actor=self.editor)
            self.assertIn("Withdrawn", self.bodies()[0])
            with self.captureOnCommitCallbacks(execute=True):
                changed = change(comment)
            self.assertIn(changed.status, (S.REMOVED, S.PENDING))
            self.assertEqual(self.bodies()[0], ["Visible"])
            self.assertEqual(self.client.get(f"/api/comments/{comment.pk}/").status_code, 404)

    def test_changes_that_do_not_touch_the_public_list_keep_the_cache(self):
        comment = make_comment(self.article, status=S.REVIEW)
        with self.captureOnCommitCallbacks(execute=True):
            comment_reject(comment=comment, actor=self.editor, reason_code="spam")
        self.assertEqual(self.client.get(LIST_URL, HTTP_IF_NONE_MATCH=self.etag).status_code, 304)

    def test_other_articles_keep_their_cache(self):
        Article.objects.create(slug="other", headline="O", body="x", is_published=True)
        other_url = "/api/articles/other/comments/"
        self.client.get(other_url)
        waiting = make_comment(self.article, status=S.REVIEW)
        with self.captureOnCommitCallbacks(execute=True):
            comment_approve(comment=waiting, actor=self.editor)
        with self.assertNumQueries(1):  # still from Redis: only the article
            self.client.get(other_url)
        with self.assertNumQueries(2):  # rebuilt
            self.client.get(LIST_URL)

    def test_a_page_built_before_a_bump_is_never_served_after_it(self):
        """A reader that read the old version, then stored its page after
        the change committed and bumped the version: nobody gets that page."""
        from comments.public_cache import article_cache_bump, cached_page

        stale = lambda: b'{"stale": true}'  # noqa: E731
        fresh = lambda: b'{"fresh": true}'  # noqa: E731
        cached_page(article_id=self.article.pk, variant="v", build=stale)
        article_cache_bump(article_id=self.article.pk)
        body, _, _ = cached_page(article_id=self.article.pk, variant="v", build=fresh)
        self.assertEqual(body, b'{"fresh": true}')

    def test_unpublishing_the_article_is_immediate(self):
        Article.objects.filter(pk=self.article.pk).update(is_published=False)
        self.assertEqual(self.client.get(LIST_URL).status_code, 404)


class CacheUnavailableTests(BaseTestCase):
    def test_lists_are_served_from_the_database_when_redis_fails(self):
        from unittest import mock

        make_comment(self.article, status=S.APPROVED, body="Still here")
        with mock.patch("comments.public_cache.cache.get_many", side_effect=ConnectionError("down")):
            response = APIClient().get(LIST_URL)
        self.assertEqual(response.status_code, 200)
        self.assertEqual([c["body"] for c in response.json()["results"]], ["Still here"])


class PublicRowsTests(BaseTestCase):
    """The list is built from plain rows, not a Comment and an Article per
    comment, and says exactly what the output serializer says."""

    def test_rows_read_without_joining_the_article(self):
        approved(self.article, 3)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(len(APIClient().get(LIST_URL).json()["results"]), 3)
        page_sql = queries.captured_queries[-1]["sql"]
        self.assertIn("comments_comment", page_sql)
        self.assertNotIn("articles_article", page_sql)

    def test_same_output_as_the_serializer_in_any_time_zone(self):
        from django.test import override_settings

        from comments.selectors import comment_list_public
        from comments.serializers import PUBLIC_ROW_FIELDS, CommentPublicOutputSerializer, comment_public_rows

        top = approved(self.article, 2)[0]
        make_comment(self.article, status=S.APPROVED, parent=top, body='A "reply" <b>')
        for zone in ("UTC", "Europe/London", "America/New_York"):
            with self.subTest(zone=zone), override_settings(TIME_ZONE=zone):
                public = comment_list_public(article=self.article)
                expected = CommentPublicOutputSerializer(public, many=True).data
                rows = comment_public_rows(
                    public.select_related(None).values(*PUBLIC_ROW_FIELDS), article_slug=self.article.slug
                )
                self.assertEqual([dict(item) for item in expected], rows)
