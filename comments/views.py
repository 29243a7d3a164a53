"""The readers' pages: the front page and the article with its comments.

Every view works as a plain HTML form POST -> redirect. When
comments.js sends the same request with ``X-Requested-With: fetch`` it
answers JSON instead (rendered HTML fragments, or errors per field), so the
page updates in place. CSRF protection is the same for both.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from articles.selectors import article_get_published
from comments.forms import CommentEditForm, CommentForm, CommentReportForm
from comments.models import Comment, CommentStatus
from comments.reader_section import decorate, reader_section, render_comment
from comments.selectors import (
    ORDER_NEWEST,
    ORDER_OLDEST,
    article_get_for_reader_page,
    article_list_published_with_counts,
    comment_list_own,
    comment_list_public,
)
from comments.services import (
    comment_can_change,
    comment_create,
    comment_edit,
    comment_edit_deadline,
    comment_edit_window_message,
    comment_report,
    comment_withdraw,
)
from newsroom.http import client_ip, hash_ip
from newsroom.throttles import form_throttle_message, form_throttle_wait

OWN_COMMENTS_KEY = "own_comments"
OWN_COMMENTS_MAX = 50
REPORTED_KEY = "reported_comments"
REPORTED_MAX = 200

POSTED = "Thank you, your comment was received. It will appear here once an editor has approved it."
EDITED = "Your comment was changed. It will be checked again before it appears."
DELETED = "Your comment was deleted."
REPORTED = "Thank you. An editor will look at this comment."


def _is_fetch(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _throttled(request, form, *, scope: str) -> int | None:
    """Count this POST against the client's rate (FORM_THROTTLE_<SCOPE>).
    Over it, the form gets an error (what was typed is kept, nothing is
    saved) and the caller answers 429; returns the seconds to wait."""
    wait = form_throttle_wait(request, scope=scope)
    if wait is not None:
        form.add_error(None, form_throttle_message(wait))
    return wait


def _refused(form, wait: int | None) -> JsonResponse:
    response = JsonResponse({"ok": False, "errors": _errors(form)}, status=429 if wait else 400)
    if wait:
        response["Retry-After"] = str(wait)
    return response


def _errors(form) -> dict[str, list[str]]:
    return {field: [e["message"] for e in errs] for field, errs in form.errors.get_json_data().items()}


def _own_ids(request) -> set[int]:
    return {int(pk) for pk in request.session.get(OWN_COMMENTS_KEY, [])}


def _remember(request, key: str, pk: int, limit: int) -> None:
    ids = [i for i in request.session.get(key, []) if i != pk]
    request.session[key] = [*ids, pk][-limit:]


def _browser_binding(request) -> str:
    """A keyed hash of this browser's CSRF secret (the cookie every form
    page sets; no session row is written for it): what binds the form's
    signed timestamp to the browser it was shown in."""
    get_token(request)
    return hash_ip(f"form:{request.META.get('CSRF_COOKIE', '')}")[:32]


def _session_hash(request) -> str:
    """A keyed hash of the browser session, for one report per session."""
    if not request.session.session_key:
        request.session.save()
    # hash_ip is a keyed HMAC of any string; the prefix keeps the spaces apart.
    return hash_ip(f"session:{request.session.session_key}")


def article_list(request):
    return render(
        request, "comments/article_list.html", {"articles": article_list_published_with_counts()}
    )


def _own(request, article) -> tuple[set[int], set[int], list[Comment]]:
    """The reader's own comment ids, the ids they reported, and their own
    unpublished comments on this article (one query, only with a session)."""
    own_ids = _own_ids(request)
    reported = set(request.session.get(REPORTED_KEY, []))
    own = list(comment_list_own(article=article, comment_ids=own_ids)) if own_ids else []
    return own_ids, reported, own


@require_http_methods(["GET", "POST"])
def article_detail(request, slug):
    article = article_get_for_reader_page(slug=slug)
    reply_to = None
    wait = None
    if request.method == "POST":
        form = CommentForm(request.POST, article=article, binding=_browser_binding(request))
        wait = _throttled(request, form, scope="comment")
        if wait is None and form.is_valid():
            try:
                comment = comment_create(
                    article=article,
                    **form.cleaned_data,
                    ip_hash=hash_ip(client_ip(request)),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                    signals=form.signals,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                _remember(request, OWN_COMMENTS_KEY, comment.pk, OWN_COMMENTS_MAX)
                comment.decision_reason = None  # no editor has decided anything yet
                if _is_fetch(request):
                    return JsonResponse(
                        {
                            "ok": True,
                            "id": comment.pk,
                            "parent": comment.parent_id,
                            "message": POSTED,
                            "html": _render_card(request, comment, article),
                        },
                        status=201,
                    )
                messages.success(request, POSTED)
                return redirect(f"{article.get_absolute_url()}#comments-heading")
        if _is_fetch(request):
            return _refused(form, wait)
        reply_to = _reply_target(article, form.data.get("parent", ""))
    else:
        reply_to = _reply_target(article, request.GET.get("reply_to", ""))
        form = CommentForm(
            article=article, binding=_browser_binding(request),
            initial={"parent": reply_to.pk if reply_to else None},
        )

    order = ORDER_NEWEST if request.GET.get("order") == ORDER_NEWEST else ORDER_OLDEST
    after = request.GET.get("after", "")
    own_ids, reported, own = _own(request, article)
    section, own_pending = reader_section(
        article=article, order=order, after=after, own_ids=own_ids, reported=reported, own=own,
        open_=article.comments_open,
    )
    article.comment_count = section.count
    for c in own_pending:
        c.html = render_comment(c)
    if _is_fetch(request) and request.method == "GET":
        return JsonResponse({"html": "".join(section.items) + "\n", "next": section.next_url})
    context = {
        "article": article,
        "comments": section.comments,
        "comment_items": mark_safe("".join(f"\n      {item}\n    " for item in section.items)),
        "own_pending": own_pending,
        "next_url": section.next_url,
        "order": order,
        "after": after,
        "form": form,
        "reply_to": reply_to,
    }
    response = render(request, "comments/article_detail.html", context, status=429 if wait else 200)
    if wait:
        response["Retry-After"] = str(wait)
    return response


def _reply_target(article, wanted: str) -> Comment | None:
    """The public comment a no-JavaScript reply form answers, if any."""
    if not str(wanted).isdigit():
        return None
    return comment_list_public(article=article).filter(pk=wanted).first()


def _render_card(request, comment: Comment, article) -> str:
    comment.reply_list = []
    decorate([comment], article=article, own_ids=_own_ids(request), reported=set(), open_=article.comments_open)
    return render_comment(comment)


def _own_comment(request, article, pk: int) -> Comment:
    """The reader's own comment, or 404: ownership is the session's list."""
    if pk not in _own_ids(request):
        raise Http404("Not your comment.")
    return get_object_or_404(
        Comment.objects.exclude(status=CommentStatus.REMOVED), pk=pk, article=article
    )


def _back(article, comment_pk=None) -> str:
    return f"{article.get_absolute_url()}#{f'comment-{comment_pk}' if comment_pk else 'comments-heading'}"


@require_http_methods(["GET", "POST"])
def comment_edit_view(request, slug, pk):
    article = article_get_published(slug=slug)
    comment = _own_comment(request, article, pk)
    wait = None
    if request.method == "POST":
        form = CommentEditForm(request.POST, comment_id=comment.pk)
        wait = _throttled(request, form, scope="comment")
        if wait is None and form.is_valid():
            try:
                comment = comment_edit(comment=comment, body=form.cleaned_data["body"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if _is_fetch(request):
                    return JsonResponse(
                        {"ok": True, "message": EDITED, "html": _render_card(request, comment, article)}
                    )
                messages.success(request, EDITED)
                return redirect(_back(article, comment.pk))
        if _is_fetch(request):
            return _refused(form, wait)
    else:
        form = CommentEditForm(initial={"body": comment.body}, comment_id=comment.pk)
    context = {
        "article": article,
        "comment": comment,
        "form": form,
        "can_change": comment_can_change(comment),
        "deadline": comment_edit_deadline(comment),
        "closed_message": comment_edit_window_message(comment),
    }
    if _is_fetch(request):
        return JsonResponse({"html": render_to_string("comments/edit_form.html", context, request=request)})
    return render(request, "comments/edit_page.html", context, status=429 if wait else 200)


@require_http_methods(["GET", "POST"])
def comment_delete_view(request, slug, pk):
    article = article_get_published(slug=slug)
    comment = _own_comment(request, article, pk)
    error = ""
    if request.method == "POST":
        try:
            comment_withdraw(comment=comment)
        except ValidationError as exc:
            error = exc.messages[0]
            if _is_fetch(request):
                return JsonResponse({"ok": False, "errors": {"__all__": [error]}}, status=400)
        else:
            if _is_fetch(request):
                return JsonResponse({"ok": True, "message": DELETED})
            messages.success(request, DELETED)
            return redirect(_back(article))
    return render(
        request,
        "comments/delete_page.html",
        {
            "article": article,
            "comment": comment,
            "error": error,
            "can_change": comment_can_change(comment),
            "closed_message": comment_edit_window_message(comment),
        },
    )


@require_http_methods(["GET", "POST"])
def comment_report_view(request, slug, pk):
    article = article_get_published(slug=slug)
    comment = get_object_or_404(comment_list_public(article=article), pk=pk)
    wait = None
    if request.method == "POST":
        form = CommentReportForm(request.POST)
        wait = _throttled(request, form, scope="report")
        if wait is None and form.is_valid():
            try:
                comment_report(
                    comment=comment,
                    reason=form.cleaned_data["reason"],
                    session_hash=_session_hash(request),
                    ip_hash=hash_ip(client_ip(request)),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                _remember(request, REPORTED_KEY, comment.pk, REPORTED_MAX)
                if _is_fetch(request):
                    return JsonResponse({"ok": True, "message": REPORTED})
                messages.success(request, REPORTED)
                return redirect(_back(article, comment.pk))
        if _is_fetch(request):
            return _refused(form, wait)
    else:
        form = CommentReportForm()
    context = {"article": article, "comment": comment, "form": form}
    if _is_fetch(request):
        return JsonResponse({"html": render_to_string("comments/report_form.html", context, request=request)})
    return render(request, "comments/report_page.html", context, status=429 if wait else 200)
