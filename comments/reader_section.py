"""The article page's comment section, rendered cheaply and cached.

What every reader sees alike (the count, one page of public comments with
their replies, the next-page link) is rendered once per article version
and kept in Redis beside the API's pages (``comments.public_cache``): any
status change that touches the public list bumps the version after it
commits, so a cached section is never served after an approval, a
rejection, an edit or a withdrawal. ``COMMENT_PAGE_CACHE=0`` turns it off.

What is the reader's own stays per request: their unpublished comments,
and a page holding one of their comments or one they reported (its Edit,
Delete or "Reported" differ) is rendered for them alone. The form and its
CSRF token are never cached.

Each comment is one pass of ``comments/comment.html`` with values
computed beforehand: dates formatted once, URLs built from one reversed
pattern per page, the author's name escaped once, and every attribute the
template reads present (published comments have ``state = None``), so no
lookup fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.template import Context
from django.template.loader import get_template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article
from comments.models import Comment, CommentStatus
from comments.public_cache import cached_value
from comments.selectors import (
    comment_count_public_article,
    comment_list_public_replies,
    comment_page_public,
    comment_reader_state,
)
from comments.services import comment_can_change

# Bump when the markup of a cached section changes, so a deploy does not
# serve sections rendered by the previous code.
SECTION_FORMAT = 1
_SENTINEL = 987654321


@dataclass
class Section:
    count: int
    items: list[str]  # the <li> of each top-level comment (with its replies)
    next_url: str
    ids: frozenset[int] = field(default_factory=frozenset)  # every comment on it
    comments: list[Comment] | None = None  # when rendered for this request


class _Urls:
    """The edit, delete and report URLs of an article's comments, reversed
    once per page."""

    def __init__(self, article: Article):
        self.parts = {
            name: reverse(f"articles:comment-{name}", args=[article.slug, _SENTINEL]).rpartition(
                f"/{_SENTINEL}/"
            )
            for name in ("edit", "delete", "report")
        }

    def __call__(self, name: str, pk: str) -> str:
        head, _, tail = self.parts[name]
        return f"{head}/{pk}/{tail}"


def decorate(
    comments, *, article: Article, own_ids: set[int], reported: set[int], open_: bool, urls=None
) -> None:
    """What the template shows of each comment and what the reader may do."""
    urls = urls or _Urls(article)
    now = timezone.now()
    months: dict[int, str] = {}  # "Nov", translated once per page
    for c in comments:
        pk = SafeString(c.pk)
        c.pk_s = pk
        c.thread_s = SafeString(c.parent_id or c.pk)
        c.name_html = escape(c.author_name)
        local = timezone.localtime(c.created_at)
        c.created_iso = local.isoformat()
        month = months.get(local.month)
        if month is None:
            month = months[local.month] = dateformat.format(local, "M")
        # The |date:"j M Y, H:i" of the page's template, formatted once.
        c.created_display = f"{local.day} {month} {local.year}, {local:%H:%M}"
        c.is_public = c.status == CommentStatus.APPROVED
        c.is_own = c.pk in own_ids
        c.can_change = c.is_own and comment_can_change(c, now=now)
        c.reported = c.pk in reported
        c.can_reply = open_ and c.is_public
        c.state = None if c.is_public else comment_reader_state(c)
        if not hasattr(c, "in_own_list"):
            c.in_own_list = False
        if c.can_change:
            c.edit_url = urls("edit", pk)
            c.delete_url = urls("delete", pk)
        if c.is_public and not c.is_own and not c.reported:
            c.report_url = urls("report", pk)


def render_comment(comment: Comment) -> SafeString:
    """One decorated comment (a top-level one with its replies) as its <li>."""
    template = get_template("comments/comment.html").template
    if comment.parent_id is None:
        comment.replies_html = mark_safe("".join(render_comment(r) for r in getattr(comment, "reply_list", ())))
    return mark_safe(template.render(Context({"comment": comment}, autoescape=True)))


def page_size() -> int:
    return max(1, settings.COMMENT_PAGE_SIZE)


def _next_url(order: str, cursor: str) -> str:
    return "?" + urlencode({"order": order, "after": cursor}) if cursor else ""


def build_section(
    *, article: Article, order: str, after: str, own_ids: set[int] = frozenset(),
    reported: set[int] = frozenset(), own: list[Comment] = (), open_: bool,
) -> tuple[Section, list[Comment]]:
    """The section from the database, for this reader, and the reader's
    own comments that belong in "awaiting publication" (not replies to a
    comment on this page). Queries: the count, the page, its replies."""
    page, cursor = comment_page_public(article=article, order=order, after=after, size=page_size())
    by_id = {c.pk: c for c in page}
    for c in page:
        c.reply_list = []
    ids = set(by_id)
    if by_id:
        for reply in comment_list_public_replies(article=article, parent_ids=by_id):
            by_id[reply.parent_id].reply_list.append(reply)
            ids.add(reply.pk)
    own_pending = []
    for c in own:
        if c.parent_id in by_id:
            by_id[c.parent_id].reply_list.append(c)
        else:
            c.in_own_list = True
            own_pending.append(c)
    urls = _Urls(article)
    everything = [*page, *own_pending, *(r for c in page for r in c.reply_list)]
    decorate(everything, article=article, own_ids=own_ids, reported=reported, open_=open_, urls=urls)
    section = Section(
        count=comment_count_public_article(article=article),
        items=[render_comment(c) for c in page],
        next_url=_next_url(order, cursor),
        ids=frozenset(ids),
        comments=page,
    )
    return section, own_pending


def public_section(*, article: Article, order: str, after: str, open_: bool) -> Section:
    """The section as a reader with nothing of their own on it sees it:
    from the cache when its version is current (one Redis round trip)."""

    def build() -> Section:
        section, _ = build_section(article=article, order=order, after=after, open_=open_)
        section.comments = None  # the rendered items are what is kept
        return section

    variant = "|".join(
        [
            str(SECTION_FORMAT), order, after, "open" if open_ else "closed", str(page_size()),
            article.updated_at.isoformat(), settings.TIME_ZONE,
        ]
    )
    section, _ = cached_value(article_id=article.pk, kind="reader", variant=variant, build=build)
    return section


def reader_section(
    *, article: Article, order: str, after: str, own_ids: set[int], reported: set[int],
    own: list[Comment], open_: bool,
) -> tuple[Section, list[Comment]]:
    """The section for this reader and their comments awaiting publication.
    The cached public section serves whenever nothing on it is theirs."""
    if settings.COMMENT_PAGE_CACHE:
        section = public_section(article=article, order=order, after=after, open_=open_)
        mine = (own_ids | reported) & section.ids or any(c.parent_id in section.ids for c in own)
        if not mine:
            for c in own:
                c.in_own_list = True
            decorate(own, article=article, own_ids=own_ids, reported=reported, open_=open_)
            return section, own
    return build_section(
        article=article, order=order, after=after, own_ids=own_ids, reported=reported, own=own,
        open_=open_,
    )
