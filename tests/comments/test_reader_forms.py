"""The readers' forms render their widgets in Python: the same HTML as
Django's widget templates, for empty forms and for forms sent back with
errors and the reader's values (quotes and markup included)."""

from django.forms.renderers import DjangoTemplates
from django.test import SimpleTestCase

from comments.forms import CommentEditForm, CommentForm, CommentReportForm


def html(form) -> str:
    return "".join(str(field) + field.label_tag() for field in form)


class ReaderFormRendererTests(SimpleTestCase):
    def assertSameAsTemplates(self, make):
        fast = make()
        slow = make()
        slow.renderer = DjangoTemplates()
        self.assertEqual(html(fast), html(slow))

    def test_empty_comment_form(self):
        self.assertSameAsTemplates(lambda: CommentForm(initial={"parent": 7, "shown_at": "1:a"}))

    def test_comment_form_with_errors_and_values(self):
        data = {
            "author_name": 'Q <x> "y" & \'z\'', "author_email": "not-an-address", "body": "",
            "notify_author": "on", "website": "<spam>", "shown_at": 'x"y', "parent": "abc",
        }
        self.assertSameAsTemplates(lambda: CommentForm(data))
        form = CommentForm(data)
        self.assertFalse(form.is_valid())
        self.assertIn('value="Q &lt;x&gt; &quot;y&quot; &amp; &#x27;z&#x27;"', str(form["author_name"]))
        self.assertIn("checked", str(form["notify_author"]))

    def test_edit_and_report_forms(self):
        self.assertSameAsTemplates(lambda: CommentEditForm(initial={"body": "a <b>\nc"}))
        self.assertSameAsTemplates(lambda: CommentEditForm({"body": "</textarea><script>"}))
        self.assertSameAsTemplates(lambda: CommentReportForm({"reason": "nope"}))
