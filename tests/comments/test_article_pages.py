from django.test import override_settings
from django.utils.html import escape

from articles.models import Article
from comments.models import Comment, CommentStatus
from tests.base import BaseTestCase, make_comment

S = CommentStatus


class ArticleListViewTests(BaseTestCase):
    def test_lists_published_only(self):
        Article.objects.create(slug="draft", headline="Secret draft", body="x", is_published=False)
        response = self.client.get("/")
        self.assertContains(response, self.article.headline)
        self.assertNotContains(response, "Secret draft")


class ArticleDetailViewTests(BaseTestCase):
    def test_shows_headline_paragraphs_form_and_approved_comments(self):
        make_comment(self.article, status=S.APPROVED, body="Approved words", author_name="Ana")
        make_comment(self.article, status=S.REVIEW, body="Waiting words")
        response = self.client.get(self.article.get_absolute_url())
        self.assertContains(response, "<h1 class=\"headline\">")
        self.assertContains(response, "Jens Stoltenberg")
        self.assertContains(response, "Post a Comment")
        for name in ("author_name", "author_email", "body", "csrfmiddlewaretoken"):
            self.assertContains(response, f'name="{name}"')
        self.assertContains(response, "Approved words")
        self.assertContains(response, "Ana")
        self.assertNotContains(response, "Waiting words")
        self.assertNotContains(response, "reader@example.org")

    def test_unpublished_article_404(self):
        draft = Article.objects.create(slug="draft", headline="Draft", body="x", is_published=False)
        self.assertEqual(self.client.get(draft.get_absolute_url()).status_code, 404)

    def test_post_redirects_with_notice_and_author_sees_pending(self):
        url = self.article.get_absolute_url()
        response = self.client.post(
            url, {"author_name": "Ivo", "author_email": "ivo@example.org", "body": "My first comment"}
        )
        comment = Comment.objects.get()
        self.assertRedirects(response, f"{url}#comments-heading", fetch_redirect_response=False)
        self.assertEqual(comment.status, S.PENDING)
        page = self.client.get(url)
        self.assertContains(page, "your comment was received")
        self.assertContains(page, "My first comment")
        self.assertContains(page, "Awaiting moderation")
        # Reloading keeps it (session-bound), without the one-off notice.
        again = self.client.get(url)
        self.assertContains(again, "My first comment")
        self.assertNotContains(again, "your comment was received")
        # Someone else does not see it.
        self.assertNotContains(self.client_class().get(url), "My first comment")

    def test_invalid_input_rerenders_with_errors_and_keeps_text(self):
        response = self.client.post(
            self.article.get_absolute_url(),
            {"author_name": "n" * 101, "author_email": "nope", "body": ""},
        )
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertEqual(
            form.errors["author_name"], ["Ensure this value has at most 100 characters (it has 101)."]
        )
        self.assertEqual(form.errors["author_email"], ["Enter a valid email address."])
        self.assertEqual(form.errors["body"], ["This field is required."])
        self.assertContains(response, 'value="nope"')
        self.assertFalse(Comment.objects.exists())

    def test_too_long_body_keeps_text(self):
        body = "word " * 1001
        response = self.client.post(
            self.article.get_absolute_url(),
            {"author_name": "Al", "author_email": "al@example.org", "body": body},
        )
        self.assertIn("at most 5000 characters", response.context["form"].errors["body"][0])
        self.assertContains(response, escape(body.strip())[:200])

    def test_closed_comments_refused(self):
        self.article.comments_open = False
        self.article.save()
        response = self.client.post(
            self.article.get_absolute_url(),
            {"author_name": "Al", "author_email": "al@example.org", "body": "Hi"},
        )
        self.assertContains(response, "Comments are closed on this article.")
        self.assertFalse(Comment.objects.exists())

    def test_csrf_enforced(self):
        client = self.client_class(enforce_csrf_checks=True)
        response = client.post(
            self.article.get_absolute_url(),
            {"author_name": "Al", "author_email": "al@example.org", "body": "Hi"},
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Comment.objects.exists())

    def test_comment_html_is_escaped(self):
        make_comment(self.article, status=S.APPROVED, body="<script>alert(1)</script>", author_name="<b>x</b>")
        response = self.client.get(self.article.get_absolute_url())
        self.assertNotContains(response, "<script>alert(1)</script>")
        self.assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")

    @override_settings(COMMENT_PAGE_CACHE=False)
    def test_page_queries_do_not_grow_with_comments(self):
        for i in range(3):
            make_comment(self.article, status=S.APPROVED, body=f"c{i}")
        url = self.article.get_absolute_url()
        self.client.get(url)
        # The article, its comment count (a plain count, no subquery), one
        # page of top-level comments, and the replies of that page.
        with self.assertNumQueries(4) as few:
            self.client.get(url)
        self.assertNotIn("SELECT COUNT", few.captured_queries[0]["sql"].upper())
        for i in range(30):
            top = make_comment(self.article, status=S.APPROVED, body=f"d{i}")
            make_comment(self.article, status=S.APPROVED, body=f"r{i}", parent=top)
        with self.assertNumQueries(len(few.captured_queries)):
            self.client.get(url)


class ArticleThresholdValidationTests(BaseTestCase):
    def test_admin_refuses_out_of_range_and_crossed_thresholds(self):
        from django.contrib.auth import get_user_model

        admin_user = get_user_model().objects.create_superuser("root", password="pw")
        self.client.force_login(admin_user)
        url = f"/admin/articles/article/{self.article.pk}/change/"
        data = {
            "headline": self.article.headline, "slug": self.article.slug, "body": self.article.body,
            "is_published": "on", "published_at_0": "2024-09-18", "published_at_1": "09:00:00",
            "comments_open": "on", "moderation_policy": "premoderate",
            "spam_threshold_low": "0.95", "spam_threshold_high": "", "toxicity_threshold_low": "1.5",
            "toxicity_threshold_high": "",
        }
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        errors = response.context["adminform"].form.errors
        self.assertEqual(errors["toxicity_threshold_low"], ["A threshold is a score from 0 to 1."])
        data["toxicity_threshold_low"] = ""
        response = self.client.post(url, data)
        errors = response.context["adminform"].form.errors
        self.assertEqual(errors["spam_threshold_low"], ["The low spam threshold (0.95) is above the high one (0.9)."])
        data["spam_threshold_low"] = "0.4"
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.article.refresh_from_db()
        self.assertEqual(self.article.thresholds("spam"), (0.4, 0.9))
