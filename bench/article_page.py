"""Benchmark of the article page with many approved comments.

Run from the repository root (needs PostgreSQL as for `make test`):

    .venv/bin/python bench/article_page.py [--comments 10000] [--replies 2000] [--runs 15]

Creates a throwaway test database, loads the seed article with N approved
top-level comments and M approved replies (bulk_create), then renders
through Django's test client, as a reader's browser would ask for them:
the first page of comments (oldest and newest first), a page deep in the
list (by its "Load more" cursor), the same as a fetch fragment, and the
front page with its comment counts. Prints, for each, the number of SQL
queries and the median / p95 server time over the runs (after one warm-up),
and writes the output to ``bench/results/article_page.txt``.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from contextlib import redirect_stdout
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.test_settings")
os.environ.setdefault("NEWSROOM_TEST_NAME", "newsroom_bench")


def next_url(response) -> str:
    """The "Load more" link's query string, as a reader would follow it."""
    import html
    import re

    found = re.search(r'href="([^"#]*)#comment-list" data-load-more', response.content.decode())
    return html.unescape(found.group(1)) if found else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--replies", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    # No setup_test_environment(): its template instrumentation (copying
    # every context for response.context) would inflate the times.
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    out = io.StringIO()
    try:
        from articles.models import Article
        from comments.models import Comment, CommentStatus

        article = Article.objects.get(slug__startswith="kremlin")
        start = timezone.now() - timedelta(days=3)
        rows = [
            Comment(
                article=article, author_name=f"Reader {i}", author_email="r@example.org",
                body=f"Comment number {i}. A few sentences of reasonable length about "
                "the article, with a link to https://example.org/source and two lines.\nSecond line.",
                status=CommentStatus.APPROVED, approved_at=start + timedelta(seconds=i),
            )
            for i in range(args.comments)
        ]
        Comment.objects.bulk_create(rows, batch_size=2000)
        tops = list(Comment.objects.filter(article=article).order_by("id").values_list("id", flat=True))
        replies = [
            Comment(
                article=article, parent_id=tops[(i * 7) % len(tops)], author_name=f"Replier {i}",
                author_email="r@example.org", body=f"Reply {i}.", status=CommentStatus.APPROVED,
                approved_at=start + timedelta(seconds=args.comments + i),
            )
            for i in range(args.replies)
        ]
        Comment.objects.bulk_create(replies, batch_size=2000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE comments_comment")

        client = Client()
        url = article.get_absolute_url()
        deep_cursor = next_url(client.get(url))
        # Walk to a page about half-way down by its own "Load more" links.
        for _ in range(len(tops) // settings.COMMENT_PAGE_SIZE // 2):
            deep_cursor = next_url(client.get(url + deep_cursor))
        cases = [
            ("article page, oldest first", url, {}),
            ("article page, newest first", url + "?order=newest", {}),
            ("article page, half-way down (cursor)", url + deep_cursor, {}),
            ("load more fragment (fetch)", url + deep_cursor, {"HTTP_X_REQUESTED_WITH": "fetch"}),
            ("front page with counts", "/", {}),
        ]
        with redirect_stdout(out):
            print(f"Article page benchmark: {args.comments} approved top-level comments, "
                  f"{args.replies} replies, page size {settings.COMMENT_PAGE_SIZE}, "
                  f"{args.runs} runs each after a warm-up; PostgreSQL "
                  f"{connection.pg_version if hasattr(connection, 'pg_version') else ''}")
            print(f"{'case':40} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'bytes':>8}")
            for name, path, headers in cases:
                response = client.get(path, **headers)
                assert response.status_code == 200, (path, response.status_code)
                with CaptureQueriesContext(connection) as queries:
                    client.get(path, **headers)
                # Read now: the next request resets the connection's log.
                n_queries = len(queries)
                times = []
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    client.get(path, **headers)
                    times.append((time.perf_counter() - t0) * 1000)
                times.sort()
                p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
                print(f"{name:40} {n_queries:>7} {statistics.median(times):>10.1f} "
                      f"{p95:>8.1f} {len(response.content):>8}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    text = out.getvalue()
    print(text, end="")
    results = REPO / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "article_page.txt").write_text(text)


if __name__ == "__main__":
    main()
