"""Time the moderation queue page with 100,000 comments in PostgreSQL.

Usage (PostgreSQL on 127.0.0.1:5432, user postgres, trust auth):

    python bench/moderation_queue.py [--comments 100000] [--runs 30]

It uses its own database (``newsroom_bench``, or BENCH_DATABASE_URL),
creates and migrates it if needed, fills it once with generated comments
(COPY-fast ``bulk_create``), then renders the queue page through Django's
test client as a logged-in editor and prints the median and 95th
percentile render time and the number of queries. The last run is written to
bench/results/moderation_queue.txt. The target is a median under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsroom_bench")
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("REDIS_URL", "")
os.environ.setdefault("NEWSROOM_VAR_DIR", str(ROOT / ".var" / "bench"))
os.environ["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"

WORDS = (
    "the minister said escalation risk deterrence missiles remarks nato ukraine "
    "russia kremlin summit policy strike range western weapons talks ceasefire "
    "security analysts believe article point fair really think government"
).split()


def ensure_database() -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(DB_URL)
    with psycopg.connect(
        host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], password=cfg["PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
            print(f"Created database {cfg['NAME']}.")


def fill(total: int) -> None:
    from django.utils import timezone

    from articles.models import Article
    from comments.models import Comment, CommentStatus

    S = CommentStatus
    have = Comment.objects.count()
    if have >= total:
        print(f"{have} comments already there.")
        return
    rng = random.Random(42)
    now = timezone.now()
    articles = list(Article.objects.all()[:50])
    for i in range(len(articles), 50):
        articles.append(Article.objects.create(
            slug=f"bench-article-{i}", headline=f"Bench article {i}: talks on the summit continue",
            body="Paragraph one.\nParagraph two.", is_published=True,
            published_at=now - timedelta(days=30),
        ))
    statuses = [S.APPROVED] * 60 + [S.REVIEW] * 20 + [S.REJECTED] * 10 + [S.SPAM] * 10
    batch, started = [], time.perf_counter()
    for n in range(have, total):
        status = rng.choice(statuses)
        spam, tox = rng.random() ** 2, rng.random() ** 3
        flagged = tox >= 0.5
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 60)))
        reasons = []
        if flagged:
            body += " what an idiot"
            reasons.append({"checker": "terms", "head": "toxicity", "message": "Abusive terms", "spans": ["idiot"]})
        if spam > 0.5:
            body += " buy now"
            reasons.append({"checker": "terms", "head": "spam", "message": "Spam phrases", "spans": ["buy now"]})
        created = now - timedelta(minutes=rng.randint(1, 60 * 24 * 60))
        batch.append(Comment(
            article=rng.choice(articles), author_name=f"Reader {n % 5000}",
            author_email=f"reader{n % 5000}@example.org", body=body, status=status,
            spam_score=spam, toxicity_score=tox, risk=max(spam, tox), flagged=flagged,
            reasons=reasons, created_at=created, status_changed_at=created, checked_at=created,
            approved_at=created if status == S.APPROVED else None,
        ))
        if len(batch) == 5000:
            Comment.objects.bulk_create(batch)
            batch = []
    if batch:
        Comment.objects.bulk_create(batch)
    # auto_now_add overrode created_at: set the generated times again.
    from django.db.models import F

    Comment.objects.filter(checked_at__isnull=False).update(
        created_at=F("checked_at"), status_changed_at=F("checked_at")
    )
    print(f"Inserted {total - have} comments in {time.perf_counter() - started:.1f}s.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from comments.models import Comment, CommentStatus

    call_command("migrate", verbosity=0)
    fill(args.comments)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE comments_comment")
    User = get_user_model()
    editor, created = User.objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
    if created:
        editor.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    client.force_login(editor)
    url = reverse("admin:moderation_moderationqueue_changelist")
    for _ in range(3):  # warm up: connections, templates, caches
        assert client.get(url).status_code == 200
    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    total = Comment.objects.count()
    depth = Comment.objects.filter(status=CommentStatus.REVIEW).count()
    median = statistics.median(timings)
    p95 = sorted(timings)[max(0, int(len(timings) * 0.95) - 1)]
    lines = [
        "Moderation queue page (admin), rendered with Django's test client",
        f"database: PostgreSQL {connection.pg_version // 10000}, {total} comments, {depth} awaiting review",
        f"cards per page: {response.content.count(b'data-article-url=')}",
        f"queries per page: {len(queries)}",
        f"runs: {args.runs}",
        f"median: {median:.1f} ms",
        f"p95: {p95:.1f} ms",
        f"min / max: {min(timings):.1f} / {max(timings):.1f} ms",
        f"target: median under 300 ms -> {'met' if median < 300 else 'NOT met'}",
    ]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    out = ROOT / "bench" / "results" / "moderation_queue.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)


if __name__ == "__main__":
    main()
