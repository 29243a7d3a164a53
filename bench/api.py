"""Benchmark of the public comment API under gunicorn, PostgreSQL and Redis.

Run from the repository root (PostgreSQL on 127.0.0.1:5432 and Redis on
127.0.0.1:6379, as for the tests):

    .venv/bin/python bench/api.py [--seconds 10] [--connections 16]

It (re)creates the database ``newsroom_bench_api``, migrates it, fills the
seed article with 10,000 approved comments (and 1,000 others the public
never sees), then starts gunicorn on a free 127.0.0.1 port and measures
throughput and latency (p50/p99) of:

- ``/healthz``: a trivial Django view on the same server, the ceiling of
  the framework on this machine;
- a page of 50 comments, cold: the server runs with ``API_CACHE_TTL=0``, so
  every request reads PostgreSQL (2 queries: the article, one page);
- the same page cached in Redis (1 query: the article);
- the same page revalidated with ``If-None-Match``: a 304 with no body.

Load comes from ``wrk`` when installed (``apt-get install wrk``), else from
a small Python generator (threads with keep-alive connections), which is
slower than the server and so understates the figures. Every run is
bounded in time and only talks to 127.0.0.1. The table is printed and
written to ``bench/results/api.txt``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DB_NAME = os.environ.get("BENCH_DB", "newsroom_bench_api")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/9")
SLUG = "kremlin-condemns-stoltenberg-long-range-missiles-remarks"
PAGE = f"/api/articles/{SLUG}/comments/?page_size=50"
APPROVED = 10_000
LOADAVG = "%.1f %.1f %.1f" % os.getloadavg()

FILL = f"""
from datetime import timedelta
from django.utils import timezone
from articles.models import Article
from comments.models import Comment
article = Article.objects.get(slug={SLUG!r})
start = timezone.now() - timedelta(days=30)
rows = [
    Comment(article=article, author_name=f"Reader {{i}}", author_email="r@example.org",
            body=("A considered reader's comment, long enough to be realistic. " * 4) + str(i),
            status="approved" if i < {APPROVED} else "review",
            approved_at=start + timedelta(seconds=i) if i < {APPROVED} else None)
    for i in range({APPROVED} + 1000)
]
Comment.objects.bulk_create(rows, batch_size=2000)
from django.db import connection
connection.cursor().execute("ANALYZE")
print(Comment.objects.filter(status="approved").count())
"""


def server_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "REDIS_URL": REDIS,
        "SECRET_KEY": "bench-only-secret",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        # The load comes from one address: lift the anonymous throttle.
        "API_THROTTLE_ANON": "100000000/min",
        "API_THROTTLE_USER": "100000000/min",
    }
    env.update(extra)
    return env


def manage(*args: str, input_text: str | None = None) -> str:
    out = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=server_env(), input=input_text,
        capture_output=True, text=True, timeout=600,
    )
    if out.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return out.stdout


def prepare_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    manage("migrate", "--noinput", "-v", "0")
    count = manage("shell", "-c", FILL).strip().splitlines()[-1]
    assert int(count) == APPROVED, count


def clear_cache() -> None:
    """Drop the project's cache keys (pages, versions, throttle counters),
    so that every scenario starts cold."""
    import redis

    client = redis.Redis.from_url(REDIS)
    keys = list(client.scan_iter("newsroom:*", count=1000))
    if keys:
        client.delete(*keys)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, *, workers: int, threads: int, **env: str):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "newsroom.wsgi:application",
             "-b", f"127.0.0.1:{self.port}", "-w", str(workers),
             "-k", "gthread", "--threads", str(threads), "--keep-alive", "30",
             "--log-level", "warning",
             # gunicorn 27 opens a control socket at one fixed path per user:
             # a second gunicorn on the host would take it over.
             "--no-control-socket"],
            cwd=ROOT, env=server_env(**env),
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _, _ = fetch(self.port, "/healthz")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        sys.exit("gunicorn did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def fetch(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


# --- load ----------------------------------------------------------------------


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def load_wrk(port: int, path: str, *, seconds: int, connections: int, headers: dict) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        cmd + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
        timeout=seconds + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": p50, "p99": p99, "errors": int(errors.group(1)) if errors else 0}


def load_python(port: int, path: str, *, seconds: int, connections: int, headers: dict) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while time.monotonic() < deadline and len(mine) < 1_000_000:
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - t0) * 1000)
            if response.status >= 400:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 30)
    elapsed = time.monotonic() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    return {"rps": len(latencies) / elapsed, "p50": pick(0.50), "p99": pick(0.99), "errors": errors[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="per scenario (default 10)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 3)))
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--skip-fill", action="store_true", help="reuse the filled database")
    args = parser.parse_args()
    load = load_wrk if shutil.which("wrk") else load_python
    tool = "wrk" if load is load_wrk else "python threads"

    if not args.skip_fill:
        print(f"Filling {DB_NAME}: {APPROVED:,} approved comments on one article...", flush=True)
        prepare_database()

    rows = []
    opts = dict(seconds=args.seconds, connections=args.connections)
    for label, cache_ttl in (("cold (every request reads PostgreSQL)", "0"), ("cached (Redis)", "300")):
        clear_cache()
        server = Gunicorn(workers=args.workers, threads=args.threads, API_CACHE_TTL=cache_ttl)
        try:
            status, headers, body = fetch(server.port, PAGE)
            page = json.loads(body)
            assert status == 200 and len(page["results"]) == 50, (status, body[:200])
            if cache_ttl == "0":
                rows.append(("ceiling: /healthz (trivial view)", load(server.port, "/healthz", headers={}, **opts)))
                rows.append((f"page of 50, {label}", load(server.port, PAGE, headers={}, **opts)))
            else:
                fetch(server.port, PAGE)  # warm the cache in every worker's view
                rows.append((f"page of 50, {label}", load(server.port, PAGE, headers={}, **opts)))
                etag = headers["ETag"]
                status, _, _ = fetch(server.port, PAGE, {"If-None-Match": etag})
                assert status == 304, status
                rows.append(("page of 50, If-None-Match -> 304",
                             load(server.port, PAGE, headers={"If-None-Match": etag}, **opts)))
        finally:
            server.stop()

    ceiling = rows[0][1]["rps"]
    lines = [
        f"bench/api.py: {APPROVED:,} approved comments on one article; page_size=50, first page",
        f"gunicorn gthread {args.workers} workers x {args.threads} threads; PostgreSQL + Redis on 127.0.0.1; "
        f"load: {tool}, {args.connections} connections, {args.seconds}s per row; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average before the run {LOADAVG}",
        "",
        f"{'scenario':<50} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'of ceiling':>11} {'errors':>7}",
    ]
    for label, r in rows:
        lines.append(
            f"{label:<50} {r['rps']:>9.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} "
            f"{r['rps'] / ceiling:>10.0%} {r['errors']:>7}"
        )
    lines += ["", f"response: {len(body):,} bytes for 50 comments"]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "results" / "api.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)


if __name__ == "__main__":
    main()
