"""Benchmark of the whole local check pipeline, as the Celery task runs it.

Run from the repository root (PostgreSQL and Redis as for `make test`):

    .venv/bin/python bench/check_pipeline.py [--datasets ../shared/datasets] [--n 2000]

Uses its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/newsroom_bench_checks), migrated afresh.
Prints, on one core after warm-up:

The database first gets 20,000 earlier comments spread over the past week, as
a busy site has them. Then:

* `run_checks`: every local checker on one comment (links, lures,
  shouting, threats, terms, form signals, near-duplicates and posting rate against the
  database, the trained models), median / p99;
* `comment_check`: the service the Celery task calls (claim by conditional
  update, the checks, storing scores and reasons, the event), median / p99;
* the resident memory of a real Celery worker process (solo pool) after it
  has loaded the models and checked comments.

Writes the output to bench/results/check_pipeline.txt.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import csv
import io
import statistics
import subprocess
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsroom_bench_checks")
HISTORY = 20_000
BENCH_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")


def texts_from(datasets: Path, n: int) -> list[str]:
    pool = []
    for name in ("kaggle_insults_impermium", "youtube_spam_collection", "sms_spam_collection", "wiki_talk_cat_large"):
        path = datasets / name / "test.csv"
        if path.exists():
            with open(path, newline="", encoding="utf-8") as fh:
                pool.extend(row["text"][:5000] for row in csv.DictReader(fh))
    if not pool:
        sys.exit(f"no test splits under {datasets}")
    step = max(1, len(pool) // n)
    return pool[::step][:n]


def percentile(values, q):
    values = sorted(values)
    return values[int(q * (len(values) - 1))]


def recreate_database() -> None:
    import psycopg

    base, name = BENCH_DB.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of one process in MB; PSS splits shared pages between the
    processes that share them, so PSS adds up across a forked pool."""
    rss = pss = float("nan")
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss, pss


def worker_memory_mb(env: dict, comment_ids: list[int], concurrency: int = 2) -> dict:
    """Start a real prefork worker (main process + ``concurrency`` children),
    have it check comments, and read the memory of every process."""
    from newsroom.celery import app

    proc = subprocess.Popen(
        [str(REPO / ".venv/bin/celery"), "-A", "newsroom", "worker", "--pool=prefork",
         f"--concurrency={concurrency}", "--loglevel=WARNING", "-Q", "bench-checks"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        from comments.models import Comment

        time.sleep(5)
        for pk in comment_ids:
            app.send_task("comments.check_comment", args=[pk], queue="bench-checks")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if not Comment.objects.filter(pk__in=comment_ids, status="pending").exists():
                break
            time.sleep(0.5)
        children = [int(c) for c in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
        per = {pid: _memory_mb(pid) for pid in [proc.pid, *children]}
        return {
            "processes": len(per),
            "rss_sum": sum(r for r, _ in per.values()),
            "pss_sum": sum(p for _, p in per.values()),
            "main_rss": per[proc.pid][0],
        }
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=str(REPO.parent / "shared" / "datasets"))
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()

    env = {**os.environ, "DATABASE_URL": BENCH_DB, "REDIS_URL": BENCH_REDIS,
           "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only"), "DJANGO_SETTINGS_MODULE": "newsroom.settings",
           "NEWSROOM_VAR_DIR": str(REPO / ".var" / "bench")}
    os.environ.update(env)
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    from articles.models import Article
    from detection.classifiers.pipeline import run_checks
    from comments.models import Comment
    from comments.services import comment_check, comment_sample

    texts = texts_from(Path(args.datasets), args.n)
    article = Article.objects.first()
    # History as a busy site has it: HISTORY comments over the past week
    # (about 2,900 a day inside the 24-hour duplicate window).
    history = texts_from(Path(args.datasets), 5000) * (HISTORY // 5000)
    def fingerprinted(comment):
        comment.fingerprint()
        return comment

    Comment.objects.bulk_create(
        (fingerprinted(Comment(article=article, author_name="h", author_email=f"h{i % 3000}@example.org",
                               body=t, ip_hash=f"{i % 4000:064x}", status="approved"))
         for i, t in enumerate(history)),
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE comments_comment SET created_at = now() - random() * interval '7 days'")
    comments = Comment.objects.bulk_create(
        fingerprinted(Comment(article=article, author_name=f"r{i}", author_email=f"r{i % 300}@example.org",
                              body=t, ip_hash=f"{i % 500:064x}", signals={"seconds_to_submit": 40.0}))
        for i, t in enumerate(texts + texts[:50])
    )
    bench, spare = comments[: len(texts)], comments[len(texts):]
    with connection.cursor() as cursor:
        # The comments being checked arrived over the last day, too (not
        # 2,000 within the 10-minute rate window).
        cursor.execute(
            "UPDATE comments_comment SET created_at = now() - random() * interval '1 day' "
            "WHERE status = 'pending'"
        )
        cursor.execute("ANALYZE comments_comment")
    samples = [comment_sample(c) for c in bench]
    for s in samples[:100]:
        run_checks(s)

    run_times = []
    for s in samples:
        t = time.perf_counter()
        run_checks(s)
        run_times.append((time.perf_counter() - t) * 1000)
    check_times = []
    for c in bench:
        t = time.perf_counter()
        comment_check(comment_id=c.pk)
        check_times.append((time.perf_counter() - t) * 1000)
    mem = worker_memory_mb(env, [c.pk for c in spare])

    buf = io.StringIO()
    with redirect_stdout(buf):
        print(f"# Check pipeline benchmark ({time.strftime('%Y-%m-%d %H:%M')})")
        print(f"{len(texts)} real comments from the public test splits; PostgreSQL holds {Comment.objects.count()} comments")
        print()
        print("stage                          median ms   p99 ms   target")
        print(f"run_checks (all local checks)  {statistics.median(run_times):9.2f}  {percentile(run_times, .99):7.2f}   median <= 5 ms: "
              f"{'PASS' if statistics.median(run_times) <= 5 else 'MISS'}")
        print(f"comment_check (task's service) {statistics.median(check_times):9.2f}  {percentile(check_times, .99):7.2f}")
        print()
        print(f"Celery worker, prefork pool, concurrency 2 ({mem['processes']} processes), after loading the models "
              f"and checking {len(spare)} comments: {mem['pss_sum']:.0f} MB in all (PSS: shared pages counted once; "
              f"target <= 300 MB: {'PASS' if mem['pss_sum'] <= 300 else 'MISS'}); "
              f"RSS {mem['rss_sum']:.0f} MB summed over the processes (counts shared pages in each), "
              f"main process {mem['main_rss']:.0f} MB")
    text = buf.getvalue()
    print(text)
    out = REPO / "bench" / "results" / "check_pipeline.txt"
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
