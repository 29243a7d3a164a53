"""The article body's small, safe Markdown subset (articles/text.py)."""

from django.test import SimpleTestCase

from articles.models import Article
from articles.text import body_html, paragraph_html, paragraph_plain
from tests.base import SEED_SLUG, BaseTestCase


class ArticleTextTests(SimpleTestCase):
    def test_emphasis_and_strong(self):
        self.assertEqual(paragraph_html("In *The Times*, _quietly_, **loudly**."),
                         "In <em>The Times</em>, <em>quietly</em>, <strong>loudly</strong>.")
        self.assertEqual(paragraph_plain("In *The Times*, _quietly_, **loudly**."),
                         "In The Times, quietly, loudly.")

    def test_what_is_not_emphasis_stays_as_written(self):
        for text in ("2 * 3 * 4 = 24", "snake_case_name and __init__", "a * b", "5*3", "*", "**"):
            with self.subTest(text=text):
                self.assertEqual(paragraph_html(text), text)
                self.assertEqual(paragraph_plain(text), text)

    def test_markup_is_text_and_only_em_and_strong_survive(self):
        html = paragraph_html('<script>alert(1)</script> *<img src=x onerror=alert(1)>* "q" & a')
        self.assertEqual(
            html,
            "&lt;script&gt;alert(1)&lt;/script&gt; <em>&lt;img src=x onerror=alert(1)&gt;</em> "
            "\"q\" &amp; a",
        )

    def test_paragraphs(self):
        self.assertEqual(body_html("One *a*.\n\n  Two.  \n"), "<p>One <em>a</em>.</p><p>Two.</p>")


class SeedArticleTests(BaseTestCase):
    def test_seed_article_page_shows_italics_and_no_stray_markers(self):
        article = Article.objects.get(slug=SEED_SLUG)
        page = self.client.get(article.get_absolute_url())
        self.assertContains(page, "<em>The Times</em>")
        body = page.content.decode().split('<article class="article">')[1].split("</article>")[0]
        self.assertNotIn("*", body)
        self.assertNotRegex(body, r"(?<![\w-])_|_(?![\w-])")

    def test_api_has_plain_text_beside_html(self):
        data = self.client.get(f"/api/articles/{SEED_SLUG}/").json()
        joined = " ".join(data["paragraphs"])
        self.assertIn("with The Times, Stoltenberg", joined)
        self.assertNotIn("*", joined)
        self.assertIn("<em>The Times</em>", data["body_html"])
        self.assertTrue(data["body_html"].startswith("<p>"))
