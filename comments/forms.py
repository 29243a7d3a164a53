from django import forms

from comments.models import Comment, ReportReason


class CommentForm(forms.ModelForm):
    # A reply: the comment it answers (validated by the service).
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

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

    def __init__(self, *args, article=None, **kwargs):
        self.article = article
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.article is not None and not self.article.comments_open:
            raise forms.ValidationError("Comments are closed on this article.", code="closed")
        return cleaned


class CommentEditForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=5000,
        help_text="Plain text, up to 5,000 characters. Your edit is checked again before it is published.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class CommentReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why should an editor look at this comment?",
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a reason."},
    )
