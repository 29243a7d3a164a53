"""One app's side of the peers benchmark, run by bench/peers/run.py.

    measure.py seed --app newsroom|dcc|xtd          (native: migrate, fill)
    measure.py callgrind --app ... --out FILE.json  (under valgrind)

The same three paths for every app, in-process through Django's test
client (CSRF checks enforced, as a browser meets them):

- ``page``: the article with 200 approved comments, as a reader without
  cookies first sees it;
- ``post``: the post flow on a second article: GET the page, read the
  comment form out of the HTML (hidden fields included: newsroom's signed
  time-to-submit, the peers' timestamp and security hash, the CSRF token),
  fill it in like a person and POST it; the answer is a redirect;
- ``json``: newsroom's public API, a page of 20 (cold: the article's cache
  version bumped before each request; cached; a 304 with If-None-Match),
  and xtd's comment list API (all comments). DCC has no API.

Around each measured request the instructions are counted with callgrind
client requests (``callgrind_ctl.c``), one dump per request; start-up,
migrations and warm-up requests are not counted.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import sys
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SLUG = "bench-peers-article"
POST_SLUG = "bench-peers-post"
COMMENTS = 200
HEADLINE = "Council approves new cycle lanes after a year of consultation"
BODY = "\n".join(
    [
        "The city council voted on Tuesday to build twelve kilometres of protected cycle lanes "
        "across the centre, after a consultation that drew more than four thousand responses.",
        "Supporters said the lanes would make the school run safer; shop owners on the high "
        "street asked for loading bays to be kept, and the plan was changed to keep most of them.",
        "Work starts in the spring and is expected to take two years. The council will publish "
        "the order of the works next month.",
    ]
)
AUTHORS = ["Ann Reader", "Bob Smith", "Chloé Martin", "Dev Patel", "Eve O'Neil"]


def comment_text(i: int) -> str:
    return ("A considered reader's comment, long enough to be realistic. " * 4) + f"Number {i}."


# --- Reading a form out of HTML, as a browser does ---------------------------

_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_TAG = re.compile(r"<(input|textarea)\b([^>]*)>", re.I)
_ATTR = re.compile(r'([\w-]+)(?:\s*=\s*"([^"]*)")?')


def _attrs(raw: str) -> dict[str, str]:
    return {k.lower(): v for k, v in _ATTR.findall(raw)}


def read_form(html: str, marker: str) -> tuple[str, dict[str, str]]:
    """(action, fields) of the first form holding ``marker``: what the
    browser would submit before the reader types anything."""
    import html as htmllib

    for m in _FORM.finditer(html):
        if marker not in m.group(2):
            continue
        action = htmllib.unescape(_attrs(m.group(1)).get("action", "")).split("#")[0]
        fields: dict[str, str] = {}
        for tag, raw in _TAG.findall(m.group(2)):
            a = _attrs(raw)
            name = a.get("name")
            kind = a.get("type", "text").lower()
            if not name or kind in ("submit", "button") or (kind == "checkbox" and "checked" not in a):
                continue
            fields[name] = htmllib.unescape(a.get("value") or "")
        return action, fields
    raise SystemExit(f"no form with {marker!r} in the page")


# What a person types, per app: name, e-mail, comment.
FILL = {
    "newsroom": {"author_name": "Fay Writer", "author_email": "fay@example.org", "body": "{text}"},
    "dcc": {"name": "Fay Writer", "email": "fay@example.org", "comment": "{text}"},
    "xtd": {"name": "Fay Writer", "email": "fay@example.org", "comment": "{text}"},
}
FORM_MARKER = {"newsroom": "author_email", "dcc": "security_hash", "xtd": "security_hash"}


def filled(app: str, fields: dict[str, str], n: int) -> dict[str, str]:
    text = f"I was at the consultation evening and this is a fair summary. Reply number {n}."
    return {**fields, **{k: v.format(text=text) for k, v in FILL[app].items()}}


def page_url(app: str, slug: str) -> str:
    return f"/articles/{slug}/"


# --- Setting up each app -----------------------------------------------------


def setup(app: str) -> None:
    if app == "newsroom":
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    else:
        sys.path.insert(0, str(HERE))
        os.environ["PEER"] = app
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")
    import django

    django.setup()


def seed(app: str) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    start = timezone.now() - timedelta(days=2)
    if app == "newsroom":
        from articles.models import Article
        from comments.models import Comment

        article = Article.objects.create(
            slug=SLUG, headline=HEADLINE, body=BODY, is_published=True, published_at=start
        )
        Article.objects.create(
            slug=POST_SLUG, headline=HEADLINE, body=BODY, is_published=True, published_at=start
        )
        from comments.public_cache import article_cache_bump

        for a in Article.objects.filter(slug__in=[SLUG, POST_SLUG]):
            article_cache_bump(article_id=a.pk)  # nothing cached by an earlier run counts
        Comment.objects.bulk_create(
            Comment(
                article=article, author_name=AUTHORS[i % 5], author_email=f"r{i}@example.org",
                body=comment_text(i), status="approved", approved_at=start + timedelta(minutes=i),
                created_at=start + timedelta(minutes=i),
            )
            for i in range(COMMENTS)
        )
        return
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sites.models import Site

    from peersite.blog.models import Article

    Site.objects.filter(pk=1).update(domain="testserver", name="testserver")
    article = Article.objects.create(slug=SLUG, headline=HEADLINE, body=BODY, published_at=start)
    Article.objects.create(slug=POST_SLUG, headline=HEADLINE, body=BODY, published_at=start)
    ct = ContentType.objects.get_for_model(Article)
    if app == "dcc":
        from django_comments.models import Comment
    else:
        from django_comments_xtd.models import XtdComment as Comment
    for i in range(COMMENTS):
        # save() one by one: xtd fills in its thread fields on save.
        Comment(
            content_type=ct, object_pk=str(article.pk), site_id=1, user_name=AUTHORS[i % 5],
            user_email=f"r{i}@example.org", comment=comment_text(i),
            submit_date=start + timedelta(minutes=i), is_public=True,
        ).save()


# --- The paths ----------------------------------------------------------------


class Counter:
    """Callgrind's counters around one request at a time."""

    def __init__(self, lib: str | None):
        self.lib = ctypes.CDLL(lib) if lib else None
        self.running = bool(self.lib and self.lib.cg_running())
        if self.running:
            self.lib.cg_start()

    def measure(self, label: str, fn):
        if not self.running:
            return fn()
        self.lib.cg_zero()
        self.lib.cg_toggle()
        try:
            return fn()
        finally:
            self.lib.cg_toggle()
            self.lib.cg_dump(label.encode())


_CLIENT = []


def client():
    """A browser without cookies. One test client is reused (its cookies
    cleared) because each new one loads the middleware again, which is
    start-up work no server does per request."""
    from django.test import Client

    if not _CLIENT:
        _CLIENT.append(
            Client(enforce_csrf_checks=True, REMOTE_ADDR="127.0.0.1", HTTP_USER_AGENT="Mozilla/5.0 bench")
        )
    c = _CLIENT[0]
    c.cookies.clear()
    return c


def check(response, status: int, what: str) -> None:
    if response.status_code != status:
        body = response.content[:400].decode(errors="replace")
        raise SystemExit(f"{what}: HTTP {response.status_code}, wanted {status}: {body}")


# Paths made of steps: their function returns [(label, fn), ...]; a label
# starting with "_" is preparation, not measured.
MULTI = {"post", "json_cold"}


def paths(app: str) -> dict[str, object]:
    """name -> function doing one measured request (or, for MULTI, giving
    the steps of one flow, each measured on its own)."""
    out: dict[str, object] = {}
    url = page_url(app, SLUG)

    def page():
        check(client().get(url), 200, "page")

    out["page"] = page
    if app == "newsroom":
        from django.conf import settings
        from django.test import override_settings

        def page_uncached():
            with override_settings(COMMENT_PAGE_CACHE=False):
                check(client().get(url), 200, "page, cache off")

        out["page_nocache"] = page_uncached
        if not getattr(settings, "COMMENT_PAGE_CACHE", True):
            out.pop("page_nocache")

    counter = {"n": 0}

    def post_parts():
        c = client()
        post_url = page_url(app, POST_SLUG)
        state = {}

        def get():
            r = c.get(post_url)
            check(r, 200, "post: GET")
            state["html"] = r.content.decode()

        def post():
            action, fields = read_form(state["html"], FORM_MARKER[app])
            counter["n"] += 1
            r = c.post(action or post_url, filled(app, fields, counter["n"]))
            check(r, 302, "post: POST")

        return [("post_get", get), ("post_post", post)]

    out["post"] = post_parts

    if app == "newsroom":
        from articles.models import Article
        from comments.public_cache import article_cache_bump

        article_id = Article.objects.get(slug=SLUG).pk
        api = f"/api/articles/{SLUG}/comments/?page_size=20"
        etag = {}

        def json_cold():
            def run():
                r = client().get(api)
                check(r, 200, "json cold")

            return [("_bump", lambda: article_cache_bump(article_id=article_id)), ("json_cold", run)]

        def json_cached():
            r = client().get(api)
            check(r, 200, "json cached")
            etag["v"] = r["ETag"]

        def json_304():
            check(client().get(api, HTTP_IF_NONE_MATCH=etag["v"]), 304, "json 304")

        out["json_cold"] = json_cold
        out["json_cached"] = json_cached
        out["json_304"] = json_304
    elif app == "xtd":
        from peersite.blog.models import Article

        article_id = Article.objects.get(slug=SLUG).pk
        api = f"/comments/api/blog-article/{article_id}/"

        def json_all():
            r = client().get(api)
            check(r, 200, "json")
            assert len(json.loads(r.content)) == COMMENTS, "xtd API: wrong number of comments"

        out["json"] = json_all
    return out


def run_callgrind(app: str, lib: str, out_path: str, warmup: int, repeat: int, only: list[str]) -> None:
    counter = Counter(lib)
    done: dict[str, int] = {}
    for name, fn in paths(app).items():
        if only and name not in only and name.split("_")[0] not in only:
            continue
        for i in range(warmup + repeat):
            parts = fn() if name in MULTI else [(name, fn)]
            for label, step in parts:
                if i >= warmup and not label.startswith("_"):
                    counter.measure(label, step)
                    done[label] = done.get(label, 0) + 1
                else:
                    step()
    Path(out_path).write_text(json.dumps({"app": app, "counts": done, "valgrind": counter.running}))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["seed", "callgrind"])
    p.add_argument("--app", required=True, choices=["newsroom", "dcc", "xtd"])
    p.add_argument("--lib")
    p.add_argument("--out")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--only", default="")
    a = p.parse_args()
    setup(a.app)
    if a.command == "seed":
        seed(a.app)
    else:
        run_callgrind(a.app, a.lib, a.out, a.warmup, a.repeat, [x for x in a.only.split(",") if x])


if __name__ == "__main__":
    main()
