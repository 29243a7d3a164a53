import time

from django import forms
from django.core import signing
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe

from comments.models import Comment, ReportReason

_SHOWN_AT = signing.TimestampSigner(salt="comments.form.shown-at")
HONEYPOT = "website"
# A form shown longer ago than this, or in another browser, has no valid
# time-to-submit: a token cannot be fetched once and replayed by a bot.
SHOWN_AT_MAX_AGE = 3600
_LABELS: dict[tuple, str] = {}


def _text(value) -> str:
    """``{{ value|stringformat:'s' }}`` under autoescape."""
    text = "%s" % value
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    """django/forms/widgets/input.html (text, email, hidden, checkbox)."""
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _textarea(widget: dict) -> str:
    """django/forms/widgets/textarea.html."""
    value = widget["value"]
    body = (value if isinstance(value, SafeData) else escape(value)) if value else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{body}</textarea>'


_WIDGETS = {
    "django/forms/widgets/text.html": _input,
    "django/forms/widgets/email.html": _input,
    "django/forms/widgets/hidden.html": _input,
    "django/forms/widgets/checkbox.html": _input,
    "django/forms/widgets/textarea.html": _textarea,
}


class ReaderFormRenderer(DjangoTemplates):
    """The readers' forms render their five kinds of widget in Python, the
    same HTML as Django's own widget templates (the project overrides none
    of them), at a fraction of the cost of a template per field; anything
    else (labels, errors, radio buttons) goes through the templates."""

    def render(self, template_name, context, request=None):
        fast = _WIDGETS.get(template_name)
        if fast is None:
            return super().render(template_name, context, request=request)
        return mark_safe(fast(context["widget"]))


_RENDERER = ReaderFormRenderer()


class LabelOnceBoundField(BoundField):
    """A field whose <label> is rendered once per process: it depends only
    on the form's class, the field and the language, never on the data or
    the errors, and rendering it through the template engine cost more than
    the rest of the field."""

    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):
        if contents is not None or attrs is not None or label_suffix is not None or tag is not None:
            return super().label_tag(contents, attrs, label_suffix, tag)
        key = (type(self.form), self.name, self.auto_id, self.form.label_suffix, translation.get_language())
        html = _LABELS.get(key)
        if html is None:
            html = _LABELS[key] = super().label_tag()
        return html


class CommentForm(forms.ModelForm):
    """The reader's comment form.

    Besides the comment it carries two spam signals, which never block a
    submission (nothing a reader writes is lost) but are stored for the
    checks: a honeypot field hidden from people, and a signed timestamp of
    when the form was shown, bound to the browser (``binding``, from the
    view) and valid for an hour.
    """

    bound_field_class = LabelOnceBoundField
    default_renderer = _RENDERER
    # A reply: the comment it answers (validated by the service).
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    shown_at = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Comment
        fields = ["author_name", "author_email", "body", "notify_author"]
        labels = {
            "author_name": "Name",
            "author_email": "E-mail",
            "body": "Comment",
            "notify_author": "E-mail me when my comment is approved or rejected",
        }
        help_texts = {
            "author_email": "Never shown publicly.",
            "body": "Plain text, up to 5,000 characters.",
        }
        widgets = {
            "author_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "author_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "body": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, article=None, binding: str = "", **kwargs):
        self.article = article
        self.binding = binding
        self.signals: dict = {}
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["shown_at"] = _SHOWN_AT.sign(f"{time.time():.1f}|{binding}")

    def _post_clean(self):
        # No model validation here: comment_create validates the comment
        # it builds (full_clean), and its errors come back to this form,
        # per field. The form's own fields check the same lengths and
        # formats first.
        pass

    def clean(self):
        cleaned = super().clean()
        if self.article is not None and not self.article.comments_open:
            raise forms.ValidationError("Comments are closed on this article.", code="closed")
        # The signals go to the checks, not into the comment's fields.
        if cleaned.pop(HONEYPOT, ""):
            self.signals["honeypot"] = True
        token = cleaned.pop("shown_at", "")
        try:
            shown, _, binding = _SHOWN_AT.unsign(token, max_age=SHOWN_AT_MAX_AGE).partition("|")
            if binding != self.binding:
                raise ValueError("shown in another browser")
            seconds = round(max(0.0, time.time() - float(shown)), 1)
        except (signing.BadSignature, ValueError):
            self.signals["form_token"] = "invalid"
        else:
            self.signals["seconds_to_submit"] = seconds
        return cleaned


class CommentEditForm(forms.Form):
    bound_field_class = LabelOnceBoundField
    default_renderer = _RENDERER
    body = forms.CharField(
        label="Your comment",
        max_length=5000,
        help_text="Plain text, up to 5,000 characters. Your edit is checked again before it is published.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, comment_id: int | None = None, **kwargs):
        # The edit box opens on the article page beside the main form, whose
        # box is id_body: its ids are the comment's own (id_edit42_body).
        kwargs.setdefault("auto_id", f"id_edit{comment_id or ''}_%s")
        super().__init__(*args, **kwargs)


class CommentReportForm(forms.Form):
    bound_field_class = LabelOnceBoundField
    default_renderer = _RENDERER
    reason = forms.ChoiceField(
        label="Why should an editor look at this comment?",
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a reason."},
    )
