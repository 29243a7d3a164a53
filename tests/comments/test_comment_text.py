from django.test import SimpleTestCase

from comments.templatetags.comment_text import comment_text

REL = 'rel="nofollow ugc noopener"'


class CommentTextTests(SimpleTestCase):
    def test_escapes_html_and_keeps_line_breaks(self):
        self.assertEqual(
            comment_text("<b>bold</b> & co\r\nnext\nline"),
            "&lt;b&gt;bold&lt;/b&gt; &amp; co<br>next<br>line",
        )

    def test_links_http_urls_with_rel(self):
        self.assertEqual(
            comment_text("See https://example.org/a?b=1&c=2."),
            f'See <a href="https://example.org/a?b=1&amp;c=2" {REL}>'
            "https://example.org/a?b=1&amp;c=2</a>.",
        )

    def test_keeps_balanced_brackets_and_drops_closing_punctuation(self):
        self.assertEqual(
            comment_text("(https://en.wikipedia.org/wiki/NATO_(disambiguation))"),
            f'(<a href="https://en.wikipedia.org/wiki/NATO_(disambiguation)" {REL}>'
            "https://en.wikipedia.org/wiki/NATO_(disambiguation)</a>)",
        )

    def test_never_links_other_schemes(self):
        for text in ("javascript:alert(1)", "data:text/html,<script>x</script>", "www.example.org"):
            self.assertNotIn("<a", comment_text(text))

    def test_quotes_and_brackets_end_a_url(self):
        html = comment_text('https://example.org/"onmouseover="alert(1)"')
        self.assertEqual(
            html,
            f'<a href="https://example.org/" {REL}>https://example.org/</a>'
            "&quot;onmouseover=&quot;alert(1)&quot;",
        )
        html = comment_text("https://example.org/<script>alert(1)</script>")
        self.assertTrue(html.startswith(f'<a href="https://example.org/" {REL}>'))
        self.assertIn("&lt;script&gt;", html)

    def test_scheme_alone_is_not_a_link(self):
        self.assertEqual(comment_text("https://"), "https://")


class BidiControlTests(SimpleTestCase):
    """Issue #15 item 7 / #13 item 6: U+202E and its kin neither stay in a
    link nor are accepted in a name."""

    def test_a_link_ends_at_a_bidirectional_control(self):
        html = comment_text("see https://example.com/\u202egpj.exe now")
        self.assertIn('href="https://example.com/"', html)
        self.assertNotIn("\u202e" + "gpj.exe</a>", html)

    def test_names_refuse_them(self):
        # The API and form tests (tests/comments/test_bad_input.py) show the
        # message; here, the validator on its own.
        from django.core.exceptions import ValidationError

        from comments.validators import NoDirectionControlsValidator

        with self.assertRaises(ValidationError):
            NoDirectionControlsValidator()("Ann\u202e\u2066 Lee\u2069")
        NoDirectionControlsValidator()("\u05e9\u05dc\u05d5\u05dd")  # Hebrew needs none
