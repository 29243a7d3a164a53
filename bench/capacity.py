"""Capacity: comments per second through the API, from POST to decision.

Run as root from the repository root (it starts its own PostgreSQL and
Redis, like ``make chaos``; the machine's shared ones are not touched):

    .venv/bin/python bench/capacity.py [--rates 20 50 100 150] [--seconds 30]

The web tier is gunicorn with 2 sync workers, the checks run on one Celery
worker with concurrency 2, with Celery beat. Clients post through the API
with an API key whose submit rate is raised out of the way, at a fixed
offered rate (open loop: a slow answer does not slow the offered load).
For each rate it reports:

- accepted/s, and POST latency p50 / p99;
- submit -> decision p50 / p99 (``created_at`` to ``checked_at``), over the
  comments posted during the run, waiting up to 120 s after it for the
  backlog to drain (the rest are counted as undecided);
- the largest backlog seen in the queue;
- CPU time per accepted post (gunicorn processes) and per check (worker
  processes), from /proc, and the worker's resident memory (all processes).

The table is printed and written to ``bench/results/capacity.md``.
"""

from __future__ import annotations

import argparse
import os
import signal
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from chaos import URL_PATH, FakeModeration, Stack, log  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / TICKS


def rss_mb(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * PAGE
        except OSError:
            continue
    return total / 1e6


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def run_rate(stack: Stack, raw_key: str, rate: int, seconds: int) -> dict:
    run = uuid.uuid4().hex[:8]
    latencies: list[float] = []
    accepted = errors = 0
    lock = threading.Lock()
    local = threading.local()

    def post(n: int) -> None:
        nonlocal accepted, errors
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(base_url=stack.web_url, timeout=30)
        body = {"author_name": f"Reader {n}", "author_email": f"r{n % 500}@example.org",
                "body": f"cap-{run}-{n} Does anyone know what the range of these missiles is?"}
        started = time.perf_counter()
        try:
            response = client.post(URL_PATH, json=body, headers={"X-Api-Key": raw_key})
            ok = response.status_code == 202
        except httpx.HTTPError:
            ok = False
        elapsed = time.perf_counter() - started
        with lock:
            if ok:
                accepted += 1
                latencies.append(elapsed)
            else:
                errors += 1

    broker = redis.Redis(port=stack.redis_port)
    backlog = 0
    web_cpu, worker_cpu = cpu_seconds(stack.procs["web"].pid), cpu_seconds(stack.procs["worker"].pid)
    total = rate * seconds
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(256, rate * 2)) as pool:
        for n in range(total):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(post, n)
            if n % rate == 0:
                backlog = max(backlog, broker.llen("celery"))
    posted_for = time.perf_counter() - start
    web_cpu = cpu_seconds(stack.procs["web"].pid) - web_cpu
    # Let the backlog drain (bounded), sampling it.
    deadline = time.monotonic() + 120
    with stack.db() as db:
        while time.monotonic() < deadline:
            left = db.execute(
                "SELECT count(*) FROM comments_comment WHERE body LIKE %s AND checked_at IS NULL",
                [f"cap-{run}-%"],
            ).fetchone()[0]
            backlog = max(backlog, broker.llen("celery"))
            if left == 0:
                break
            time.sleep(0.5)
        worker_cpu = cpu_seconds(stack.procs["worker"].pid) - worker_cpu
        rows = db.execute(
            "SELECT extract(epoch FROM checked_at - created_at) FROM comments_comment "
            "WHERE body LIKE %s AND checked_at IS NOT NULL", [f"cap-{run}-%"],
        ).fetchall()
    decisions = [r[0] for r in rows]
    return {
        "offered/s": rate,
        "accepted/s": round(accepted / posted_for, 1),
        "POST p50 / p99 ms": f"{1000 * pct(latencies, .5):.0f} / {1000 * pct(latencies, .99):.0f}",
        "submit→decision p50 / p99 s": f"{pct(decisions, .5):.2f} / {pct(decisions, .99):.2f}",
        "undecided after 120 s": accepted - len(decisions),
        "backlog max": backlog,
        "errors": errors,
        "CPU ms / post": round(1000 * web_cpu / max(accepted, 1), 1),
        "CPU ms / check": round(1000 * worker_cpu / max(len(decisions), 1), 1),
        "worker RSS MB": round(rss_mb(stack.procs["worker"].pid)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", nargs="*", type=int, default=[20, 50, 100, 150])
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("capacity.py needs root (initdb runs as postgres).", file=sys.stderr)
        return 2
    load_start = "%.1f %.1f %.1f" % os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-capacity-"))
    stack = Stack(tmp, FakeModeration())
    results = []
    try:
        stack.pg_init()
        stack.redis_start()
        stack.manage("migrate", "--no-input", "-v0")
        raw_key = stack.manage(
            "shell", "-c",
            "from partners.services import api_key_create; "
            "print(api_key_create(name='capacity', can_submit=True, "
            "submit_rate='1000000/min', read_rate='1000000/min')[1])",
        ).strip().splitlines()[-1]
        # No hosted checker: the local checks only, as in the table.
        stack.hosted = False
        stack.web_start()
        stack.worker_start()
        stack.beat_start()
        time.sleep(5)  # the worker loads its models
        for rate in args.rates:
            log(f"offered {rate}/s for {args.seconds} s")
            result = run_rate(stack, raw_key, rate, args.seconds)
            log(str(result))
            results.append(result)
    finally:
        stack.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    columns = list(results[0]) if results else []
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(r[c]) for c in columns) + " |" for r in results]
    text = "\n".join(lines)
    print(text)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "capacity.md").write_text(
        f"{args.seconds} s per rate, {os.cpu_count()} cores, load average at the start "
        f"{load_start}, at the end {'%.1f %.1f %.1f' % os.getloadavg()} (other work on the "
        f"machine counts)\n\n{text}\n"
    )
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    sys.exit(main())
