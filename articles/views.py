from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from articles.selectors import article_get_published, article_list_published
from comments.forms import CommentForm
from comments.selectors import comment_list_own_unpublished, comment_list_public
from comments.services import comment_create
from newsroom.http import client_ip, hash_ip

OWN_COMMENTS_KEY = "own_comments"
OWN_COMMENTS_MAX = 50


def article_list(request):
    return render(request, "articles/article_list.html", {"articles": article_list_published()})


@require_http_methods(["GET", "POST"])
def article_detail(request, slug):
    article = article_get_published(slug=slug)
    if request.method == "POST":
        form = CommentForm(request.POST, article=article)
        if form.is_valid():
            try:
                comment = comment_create(
                    article=article,
                    **form.cleaned_data,
                    ip_hash=hash_ip(client_ip(request)),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                own = request.session.get(OWN_COMMENTS_KEY, [])
                request.session[OWN_COMMENTS_KEY] = [*own, comment.pk][-OWN_COMMENTS_MAX:]
                messages.success(
                    request,
                    "Thank you, your comment was received. It will appear "
                    "here once an editor has approved it.",
                )
                return redirect(f"{article.get_absolute_url()}#comments-heading")
    else:
        form = CommentForm(article=article)
    context = {
        "article": article,
        "comments": comment_list_public(article=article),
        "own_pending": comment_list_own_unpublished(
            article=article, comment_ids=request.session.get(OWN_COMMENTS_KEY, [])
        ),
        "form": form,
    }
    return render(request, "articles/article_detail.html", context)
