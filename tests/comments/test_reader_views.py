"""The article page's comment section: pages, counts, own comments, and the
same views answering JSON to comments.js."""

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from articles.models import Article
from comments.models import Comment, CommentReport, CommentStatus
from comments.services import comment_reject
from comments.views import REPORTED
from tests.base import SEED_SLUG, BaseTestCase, make_comment

S = CommentStatus
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def approved(article, body, minutes_ago=0, **fields):
    return make_comment(
        article, status=S.APPROVED, body=body,
        approved_at=timezone.now() - timedelta(minutes=minutes_ago), **fields,
    )


class FrontPageCountTests(BaseTestCase):
    def test_counts_public_comments_in_one_query(self):
        other = Article.objects.create(slug="other", headline="Other story", body="x", is_published=True)
        top = approved(self.article, "a")
        approved(self.article, "b", parent=top)
        make_comment(self.article, status=S.REVIEW)
        with self.assertNumQueries(1):
            response = self.client.get("/")
        self.assertContains(response, "2 comments")
        self.assertContains(response, "0 comments")
        counts = {a.slug: a.comment_count for a in response.context["articles"]}
        self.assertEqual(counts, {SEED_SLUG: 2, other.slug: 0})


# How pages are built; the cached section has its own tests (test_page_cache.py).
@override_settings(COMMENT_PAGE_SIZE=3, COMMENT_PAGE_CACHE=False)
class CommentPageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.tops = [approved(cls.article, f"top{i}", minutes_ago=100 - i) for i in range(7)]
        cls.reply = approved(cls.article, "reply-to-top1", minutes_ago=1, parent=cls.tops[1])

    def bodies(self, response):
        return [c.body for c in response.context["comments"]]

    def test_oldest_first_with_replies_under_their_comment(self):
        response = self.client.get(self.article.get_absolute_url())
        self.assertEqual(self.bodies(response), ["top0", "top1", "top2"])
        self.assertEqual([r.body for r in response.context["comments"][1].reply_list], ["reply-to-top1"])
        self.assertContains(response, "8 comments")
        self.assertContains(response, "Load more comments")

    def test_load_more_link_works_without_javascript(self):
        first = self.client.get(self.article.get_absolute_url())
        second = self.client.get(self.article.get_absolute_url() + first.context["next_url"])
        self.assertEqual(self.bodies(second), ["top3", "top4", "top5"])
        third = self.client.get(self.article.get_absolute_url() + second.context["next_url"])
        self.assertEqual(self.bodies(third), ["top6"])
        self.assertEqual(third.context["next_url"], "")
        self.assertNotContains(third, "Load more comments")

    def test_newest_first(self):
        response = self.client.get(self.article.get_absolute_url() + "?order=newest")
        self.assertEqual(self.bodies(response), ["top6", "top5", "top4"])
        more = self.client.get(self.article.get_absolute_url() + response.context["next_url"])
        self.assertEqual(self.bodies(more), ["top3", "top2", "top1"])

    def test_load_more_answers_a_fragment_to_fetch(self):
        first = self.client.get(self.article.get_absolute_url())
        data = self.client.get(self.article.get_absolute_url() + first.context["next_url"], **FETCH).json()
        self.assertEqual(set(data), {"html", "next"})
        self.assertIn("top3", data["html"])
        self.assertNotIn("top0", data["html"])
        self.assertNotIn("<html", data["html"])
        self.assertTrue(data["next"].startswith("?order=oldest&after="))

    def test_unreadable_cursor_starts_from_the_beginning(self):
        for cursor in ("nonsense", "bm9waXBl", "%00"):
            response = self.client.get(self.article.get_absolute_url() + f"?after={cursor}")
            self.assertEqual(self.bodies(response), ["top0", "top1", "top2"])

    def test_queries_constant_with_a_session_and_own_comments(self):
        url = self.article.get_absolute_url()
        self.client.post(url, {"author_name": "A", "author_email": "a@example.org", "body": "mine"})
        self.client.get(url)
        # Session, article, count, page, replies, own comments.
        with self.assertNumQueries(6):
            self.client.get(url)
        for i in range(20):
            top = approved(self.article, f"more{i}", minutes_ago=200 + i)
            approved(self.article, f"more-reply{i}", parent=top)
        with self.assertNumQueries(6):
            self.client.get(url)


class PostingTests(BaseTestCase):
    def post(self, data, **extra):
        return self.client.post(self.article.get_absolute_url(), data, **extra)

    def test_fetch_post_answers_json_with_the_new_card(self):
        response = self.post({"author_name": "Ivo", "author_email": "ivo@example.org", "body": "Hi\nthere"}, **FETCH)
        self.assertEqual(response.status_code, 201)
        data = response.json()
        comment = Comment.objects.get()
        self.assertEqual(data["id"], comment.pk)
        self.assertIsNone(data["parent"])
        self.assertIn("your comment was received", data["message"])
        self.assertIn("Awaiting moderation – being checked", data["html"])
        self.assertIn("Hi<br>there", data["html"])
        # Session-bound: it is still there on reload.
        self.assertContains(self.client.get(self.article.get_absolute_url()), "Hi<br>there")

    def test_fetch_post_errors_per_field(self):
        response = self.post({"author_name": "Ivo", "author_email": "nope", "body": ""}, **FETCH)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json(),
            {"ok": False, "errors": {
                "author_email": ["Enter a valid email address."],
                "body": ["This field is required."],
            }},
        )

    def test_reply_by_form_and_bad_parent_error(self):
        top = approved(self.article, "top")
        self.post({"author_name": "A", "author_email": "a@example.org", "body": "re", "parent": top.pk})
        self.assertEqual(Comment.objects.get(body="re").parent_id, top.pk)
        response = self.post(
            {"author_name": "A", "author_email": "a@example.org", "body": "re2", "parent": 999}, **FETCH
        )
        self.assertEqual(
            response.json()["errors"], {"parent": ["You can only reply to a published comment on this article."]}
        )
        page = self.post({"author_name": "A", "author_email": "a@example.org", "body": "re2", "parent": 999})
        self.assertContains(page, "You can only reply to a published comment on this article.")
        self.assertContains(page, "re2")

    @override_settings(COMMENT_PAGE_SIZE=1)
    def test_own_reply_to_a_comment_on_another_page_is_listed_with_its_target(self):
        approved(self.article, "first", minutes_ago=5)
        later = approved(self.article, "later", author_name="Olga")
        self.post({"author_name": "A", "author_email": "a@example.org", "body": "my answer", "parent": later.pk})
        page = self.client.get(self.article.get_absolute_url())
        self.assertEqual([c.body for c in page.context["own_pending"]], ["my answer"])
        self.assertContains(page, "in reply to Olga")

    def test_reply_link_without_javascript_prefills_the_form(self):
        top = approved(self.article, "top", author_name="Olga")
        response = self.client.get(self.article.get_absolute_url() + f"?reply_to={top.pk}")
        self.assertContains(response, "Replying to Olga")
        self.assertContains(response, f'name="parent" value="{top.pk}"')

    def test_api_submit_carries_parent(self):
        top = approved(self.article, "top")
        child = approved(self.article, "child", parent=top)
        response = APIClient().post(
            f"/api/articles/{SEED_SLUG}/comments/",
            {"author_name": "Ann", "author_email": "ann@example.org", "body": "Agreed.", "parent": child.pk},
            format="json",
        )
        self.assertEqual(response.status_code, 202)
        self.assertEqual(Comment.objects.get(pk=response.json()["id"]).parent_id, top.pk)
        bad = APIClient().post(
            f"/api/articles/{SEED_SLUG}/comments/",
            {"author_name": "Ann", "author_email": "ann@example.org", "body": "x", "parent": 12345},
            format="json",
        )
        # Well-formed, but the comment it refers to is not public: 422.
        self.assertEqual(bad.status_code, 422)
        self.assertEqual(bad.json(), {"parent": ["You can only reply to a published comment on this article."]})


class OwnCommentStateTests(BaseTestCase):
    def own(self, **fields):
        comment = make_comment(self.article, **fields)
        session = self.client.session
        session["own_comments"] = [*session.get("own_comments", []), comment.pk]
        session.save()
        return comment

    def test_states_read_plainly_with_reason_where_policy_allows(self):
        self.own(status=S.CHECKING, body="one")
        self.own(status=S.REVIEW, body="two")
        rejected = self.own(status=S.REVIEW, body="three")
        comment_reject(comment=rejected, actor=self.editor, reason_code="off_topic")
        self.own(status=S.SPAM, body="four")
        self.own(status=S.REMOVED, body="withdrawn words")
        page = self.client.get(self.article.get_absolute_url())
        self.assertContains(page, "Awaiting moderation – being checked")
        self.assertContains(page, "Awaiting moderation – waiting for an editor")
        self.assertContains(page, "An editor decided not to publish it. Reason: Off-topic.")
        self.assertContains(page, "It was not published.")
        self.assertNotContains(page, "withdrawn words")

    @override_settings(COMMENT_SHOW_REJECTION_REASON=False)
    def test_reason_hidden_when_policy_says_so(self):
        rejected = self.own(status=S.REVIEW, body="three")
        comment_reject(comment=rejected, actor=self.editor, reason_code="off_topic")
        page = self.client.get(self.article.get_absolute_url())
        self.assertNotContains(page, "Off-topic")
        self.assertContains(page, "It was not published.")


class EditDeleteViewTests(BaseTestCase):
    def own(self, **fields):
        comment = make_comment(self.article, **fields)
        session = self.client.session
        session["own_comments"] = [comment.pk]
        session.save()
        return comment

    def url(self, comment, action):
        return f"{self.article.get_absolute_url()}comments/{comment.pk}/{action}/"

    def test_edit_without_javascript_redirects_and_rechecks(self):
        comment = self.own(status=S.APPROVED, body="Old words")
        self.assertContains(self.client.get(self.url(comment, "edit")), "Old words")
        response = self.client.post(self.url(comment, "edit"), {"body": "New words"})
        self.assertRedirects(
            response, f"{self.article.get_absolute_url()}#comment-{comment.pk}", fetch_redirect_response=False
        )
        comment.refresh_from_db()
        self.assertEqual((comment.body, comment.status), ("New words", S.PENDING))

    def test_edit_box_ids_are_the_comments_own(self):
        comment = self.own(status=S.REVIEW, body="Old words")
        form = self.client.get(self.url(comment, "edit"), **FETCH).json()["html"]
        self.assertIn(f'id="id_edit{comment.pk}_body"', form)
        self.assertIn(f'for="id_edit{comment.pk}_body"', form)
        self.assertNotIn('id="id_body"', form)

    def test_edit_by_fetch_answers_the_updated_card(self):
        comment = self.own(status=S.REVIEW, body="Old")
        form = self.client.get(self.url(comment, "edit"), **FETCH).json()["html"]
        self.assertIn('name="body"', form)
        data = self.client.post(self.url(comment, "edit"), {"body": "New"}, **FETCH).json()
        self.assertIn("New", data["html"])
        self.assertIn("edited", data["html"])
        bad = self.client.post(self.url(comment, "edit"), {"body": ""}, **FETCH)
        self.assertEqual(bad.json()["errors"], {"body": ["This field is required."]})

    def test_someone_elses_comment_cannot_be_edited_or_deleted(self):
        comment = make_comment(self.article, status=S.APPROVED, body="Theirs")
        for action in ("edit", "delete"):
            self.assertEqual(self.client.get(self.url(comment, action)).status_code, 404)
            self.assertEqual(self.client.post(self.url(comment, action), {"body": "x"}).status_code, 404)
        comment.refresh_from_db()
        self.assertEqual((comment.body, comment.status), ("Theirs", S.APPROVED))

    def test_after_the_window_no_edit_link_and_a_clear_error(self):
        comment = self.own(status=S.APPROVED, body="Old")
        Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=11))
        page = self.client.get(self.article.get_absolute_url())
        self.assertNotContains(page, "Edit your comment")
        response = self.client.post(self.url(comment, "edit"), {"body": "New"})
        self.assertContains(response, "Comments can only be changed in the first 10 minutes after posting.")

    def test_delete_removes_it_for_good(self):
        comment = self.own(status=S.APPROVED, body="Gone soon")
        self.assertContains(self.client.get(self.url(comment, "delete")), "Delete your comment?")
        self.client.post(self.url(comment, "delete"))
        comment.refresh_from_db()
        self.assertEqual(comment.status, S.REMOVED)
        self.assertNotContains(self.client.get(self.article.get_absolute_url()), "Gone soon")
        self.assertEqual(self.client.post(self.url(comment, "delete")).status_code, 404)


class ReportViewTests(BaseTestCase):
    def test_report_once_per_session_then_marked_reported(self):
        comment = approved(self.article, "Rude words")
        url = f"{self.article.get_absolute_url()}comments/{comment.pk}/report/"
        self.assertContains(self.client.get(url), "Why should an editor look at this comment?")
        response = self.client.post(url, {"reason": "abuse"})
        self.assertRedirects(
            response, f"{self.article.get_absolute_url()}#comment-{comment.pk}", fetch_redirect_response=False
        )
        self.assertContains(self.client.get(self.article.get_absolute_url()), "Reported")
        again = self.client.post(url, {"reason": "spam"}, **FETCH)
        self.assertEqual(again.json()["errors"], {"__all__": ["You have already reported this comment."]})
        # Another browser from the same address is thanked, never told it
        # reported already; its report does not count towards the threshold.
        other = self.client_class().post(url, {"reason": "spam"}, **FETCH)
        self.assertEqual(other.json(), {"ok": True, "message": REPORTED})
        self.assertEqual(list(CommentReport.objects.values_list("counted", flat=True)), [True, False])
        report = CommentReport.objects.first()
        self.assertEqual(len(report.session_hash), 64)
        self.assertEqual(len(report.ip_hash), 64)

    def test_missing_reason_is_a_field_error(self):
        comment = approved(self.article, "Words")
        url = f"{self.article.get_absolute_url()}comments/{comment.pk}/report/"
        response = self.client.post(url, {}, **FETCH)
        self.assertEqual(response.json()["errors"], {"reason": ["Choose a reason."]})

    def test_only_public_comments_have_a_report_page(self):
        comment = make_comment(self.article, status=S.REVIEW)
        url = f"{self.article.get_absolute_url()}comments/{comment.pk}/report/"
        self.assertEqual(self.client.get(url).status_code, 404)


class BidiNameTests(BaseTestCase):
    def test_a_name_with_a_right_to_left_override_is_refused_and_nothing_stored(self):
        response = self.client.post(self.article.get_absolute_url(), {
            "author_name": "Ann\u202eexe.txt", "author_email": "ann@example.org", "body": "Hello",
        })
        self.assertContains(response, "direction-control characters")
        self.assertFalse(Comment.objects.exists())
