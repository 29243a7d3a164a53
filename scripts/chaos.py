#!/usr/bin/env python3
"""Fault injection (issue #13): ``make chaos``.

Starts its own stack, never touching the machine's shared services:

- a private PostgreSQL (``initdb`` into a temporary directory, run as the
  ``postgres`` user, on its own port),
- a private Redis (no persistence, its own port),
- the web tier under gunicorn (2 sync workers), a Celery worker
  (concurrency 2) and Celery beat (the sweep every 3 s, check time-out 10 s),
- a fake hosted moderation service (MODERATION_HTTP_*) in this process,
  answering normally unless a fault says otherwise.

Then it runs the fault matrix, one row per fault. Clients post through the
API with a fresh ``Idempotency-Key`` per comment and retry (same key) on
503 or a refused connection, as a well-behaved app would. After each fault
is cleared the script waits until every comment of the row left
``pending``/``checking`` (or 120 s) and reconciles what clients were told
against the database:

- posted: comments the clients tried to post; accepted: answered 202;
- stored: rows in the database; lost: accepted but not stored;
- duplicated: one post stored twice, or one comment routed twice by checks;
- stuck: still pending/checking at the end; published unchecked: approved
  without a check; extra checks: claims beyond one per comment (a retry, a
  re-sent message that found the comment still pending);
- client errors: answers other than 202 (400 for the bad-input rows) seen
  along the way, with how many were 500s;
- recovery: seconds from clearing the fault to the row's last decision.

Usage: ``.venv/bin/python scripts/chaos.py [--only ROW ...] [--keep]``.
Needs root (initdb runs as ``postgres`` through ``runuser``; the network
partition row uses network namespaces).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SLUG = "kremlin-condemns-stoltenberg-long-range-missiles-remarks"
URL_PATH = f"/api/articles/{SLUG}/comments/"
CHECK_TIMEOUT = 10
SWEEP_INTERVAL = 3
RECOVERY_LIMIT = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- The fake hosted checker -----------------------------------------------------


class FakeModeration:
    """MODERATION_HTTP_URL: "ok", "500", "hang" (past the client's
    time-out) or "garbage"; counts the calls it gets."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.calls = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.calls += 1
                mode = fake.mode
                if mode == "hang":
                    time.sleep(3)
                status, body = {
                    "500": (500, b"oops"),
                    "garbage": (200, b"<html>not json</html>"),
                }.get(mode, (200, b'{"spam": 0.0, "toxicity": 0.0}'))
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("0.0.0.0", 0), Handler)  # the namespaces call it too
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


# --- The private stack ------------------------------------------------------------


class Stack:
    def __init__(self, tmp: Path, fake: FakeModeration) -> None:
        self.tmp = tmp
        self.fake = fake
        self.pg_port, self.redis_port, self.web_port = free_port(), free_port(), free_port()
        self.pgroot = tmp / "pg"  # owned by postgres: data, log, socket
        self.pgdata = self.pgroot / "data"
        self.procs: dict[str, subprocess.Popen] = {}
        self.pg_bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.host = "127.0.0.1"  # where the web tier, worker and beat reach PG/Redis
        self.netns: list[tuple[str, str, str]] = []  # (namespace, host interface, gateway)
        self._listen = "127.0.0.1"
        self.hosted = True  # check with the fake hosted service too

    # PostgreSQL
    def _as_postgres(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        if check and done.returncode:
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stdout[-500:]}")
        return done

    def pg_init(self) -> None:
        self.pgroot.mkdir()
        shutil.chown(self.pgroot, "postgres", "postgres")
        os.chmod(self.tmp, 0o755)
        self._as_postgres(str(self.pg_bin / "initdb"), "-D", str(self.pgdata), "-A", "trust",
                          "-U", "postgres", "--no-sync")
        if self.netns:
            # The worker "hosts" connect from their namespaces' addresses.
            with open(self.pgdata / "pg_hba.conf", "a") as hba:
                for _ns, _if, gateway in self.netns:
                    subnet = gateway.rsplit(".", 1)[0] + ".0/24"
                    hba.write(f"host all all {subnet} trust\n")
        self.pg_ctl("start")
        self._as_postgres(str(self.pg_bin / "createdb"), "-h", "127.0.0.1", "-p",
                          str(self.pg_port), "-U", "postgres", "newsroom")

    def pg_ctl(self, action: str) -> None:
        options = (f"-p {self.pg_port} -k {self.pgroot} -c listen_addresses='{self.listen}' "
                   "-c fsync=off -c max_connections=200")
        args = [str(self.pg_bin / "pg_ctl"), "-D", str(self.pgdata), "-w", "-l",
                str(self.pgroot / "pg.log"), "-o", options]
        if action in ("stop", "restart"):
            args += ["-m", "fast"]
        self._as_postgres(*args, action)

    @property
    def listen(self) -> str:
        return self._listen

    # Redis
    def redis_start(self) -> None:
        self.procs["redis"] = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", *self.listen.split(","),
             "--save", "", "--appendonly", "no", "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("private Redis did not start")

    def redis_kill(self) -> None:
        self.kill("redis")

    # Django processes
    def env(self, host: str | None = None) -> dict[str, str]:
        host = host or self.host
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DATABASE_URL": f"postgres://postgres@{host}:{self.pg_port}/newsroom",
            "REDIS_URL": f"redis://{host}:{self.redis_port}/0",
            "SECRET_KEY": "chaos-only-secret",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_COOKIES": "0",
            "LOG_LEVEL": "WARNING",
            "API_THROTTLE_SUBMIT": "100000/min",
            "API_THROTTLE_ANON": "100000/min",
            "COMMENT_CHECK_TIMEOUT": str(CHECK_TIMEOUT),
            "COMMENT_SWEEP_INTERVAL": str(SWEEP_INTERVAL),
            "MODERATION_HTTP_ENABLED": "1" if self.hosted else "0",
            "MODERATION_HTTP_URL": f"http://{host}:{self.fake.port}/moderate",
            "MODERATION_HTTP_TIMEOUT": "1",
            "HOSTED_BREAKER_FAILURES": "5",
            "HOSTED_BREAKER_WINDOW": "30",
            "HOSTED_BREAKER_COOLDOWN": "10",
            "NEWSROOM_VAR_DIR": str(self.tmp / "var"),
            "WHITENOISE_USE_FINDERS": "1",
        }

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(), check=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        ).stdout

    def spawn(self, name: str, args: list[str], *, netns: str = "", host: str | None = None) -> None:
        prefix = ["ip", "netns", "exec", netns] if netns else []
        logfile = open(self.tmp / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(
            prefix + args, cwd=ROOT, env=self.env(host), stdout=logfile, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def web_start(self) -> None:
        self.spawn("web", [str(BIN / "gunicorn"), "newsroom.wsgi", "-w", "2", "-b",
                           f"127.0.0.1:{self.web_port}", "--no-control-socket",
                           "--timeout", "30", "--graceful-timeout", "5"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.web_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def worker_start(self, name: str = "worker", *, netns: str = "", host: str | None = None) -> None:
        self.spawn(name, [str(BIN / "celery"), "-A", "newsroom", "worker", "-c", "2", "-l",
                          "warning", "-n", f"{name}@%h", "--without-mingle", "--without-gossip"],
                   netns=netns, host=host)

    def beat_start(self) -> None:
        self.spawn("beat", [str(BIN / "celery"), "-A", "newsroom", "beat", "-l", "warning",
                            "-s", str(self.tmp / "beat-schedule")])

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        try:
            if name == "redis":
                proc.send_signal(sig)
            else:
                os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def db(self) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.pg_port, user="postgres",
                               dbname="newsroom", autocommit=True, connect_timeout=3)

    def shutdown(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM if name != "redis" else signal.SIGKILL)
        if self.pgdata.exists():
            self._as_postgres(str(self.pg_bin / "pg_ctl"), "-D", str(self.pgdata), "-m",
                              "immediate", "stop", check=False)


# --- Clients ------------------------------------------------------------------------


@dataclass
class Outcome:
    key: str
    marker: str
    accepted_id: int | None = None
    errors: list[str] = field(default_factory=list)


def post_one(stack: Stack, row: str, n: int, *, body: bytes | None = None,
             expect: int = 202, deadline_s: float = 60) -> Outcome:
    """One logical post: retried with the same Idempotency-Key on 503, a
    refused connection or a time-out, until it is answered for good."""
    marker = f"chaos-{row}-{n}-{uuid.uuid4().hex[:8]}"
    outcome = Outcome(key=uuid.uuid4().hex, marker=marker)
    if body is None:
        body = json.dumps({"author_name": f"Chaos {n}", "author_email": f"c{n}@example.org",
                           "body": f"{marker} What about the missiles, really?"}).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": outcome.key}
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            response = httpx.post(stack.web_url + URL_PATH, content=body, headers=headers, timeout=10)
        except httpx.HTTPError as exc:
            outcome.errors.append(type(exc).__name__)
            time.sleep(0.5)
            continue
        if response.status_code == 202 and expect == 202:
            outcome.accepted_id = response.json()["id"]
            return outcome
        json_body = response.headers.get("Content-Type", "").startswith("application/json")
        if response.status_code == expect and json_body:
            return outcome  # the refusal the row expects
        outcome.errors.append(str(response.status_code) + ("" if json_body else " (not JSON)"))
        if response.status_code in (502, 503, 504):
            time.sleep(float(response.headers.get("Retry-After", "0.5")) / 5)
            continue
        return outcome
    outcome.errors.append("gave up")
    return outcome


def post_many(stack, row, count, *, workers=4, **kwargs) -> list[Outcome]:
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda n: post_one(stack, row, n, **kwargs), range(count)))


def post_in_background(stack, row, count, **kwargs):
    results: list[Outcome] = []
    thread = threading.Thread(target=lambda: results.extend(post_many(stack, row, count, **kwargs)))
    thread.start()
    return thread, results


# --- Reconciliation ------------------------------------------------------------------


def wait_decided(stack: Stack, row: str, since: float) -> float | None:
    """Seconds from ``since`` until no comment of the row is pending or
    checking; None if that did not happen within RECOVERY_LIMIT."""
    while time.monotonic() - since < RECOVERY_LIMIT:
        try:
            with stack.db() as db:
                left = db.execute(
                    "SELECT count(*) FROM comments_comment WHERE body LIKE %s "
                    "AND status IN ('pending', 'checking')", [f"chaos-{row}-%"],
                ).fetchone()[0]
            if left == 0:
                return time.monotonic() - since
        except psycopg.Error:
            pass
        time.sleep(0.5)
    return None


def reconcile(stack: Stack, row: str, outcomes: list[Outcome], recovery: float | None,
              note: str = "", bad_input: bool = False) -> dict:
    with stack.db() as db:
        rows = db.execute(
            "SELECT id, body, status, checked_at, check_attempts FROM comments_comment "
            "WHERE body LIKE %s",
            [f"chaos-{row}-%"],
        ).fetchall()
        routed = db.execute(
            "SELECT e.comment_id, count(*) FROM comments_moderationevent e "
            "JOIN comments_comment c ON c.id = e.comment_id WHERE c.body LIKE %s "
            "AND e.from_status = 'checking' AND e.to_status <> 'pending' AND e.actor_id IS NULL "
            "GROUP BY e.comment_id HAVING count(*) > 1",
            [f"chaos-{row}-%"],
        ).fetchall()
    ids = {r[0] for r in rows}
    per_marker: dict[str, int] = {}
    for _id, body, _status, _checked, _attempts in rows:
        marker = body.split(" ", 1)[0]
        per_marker[marker] = per_marker.get(marker, 0) + 1
    accepted = [o for o in outcomes if o.accepted_id is not None]
    errors = [e for o in outcomes for e in o.errors]
    kinds = Counter(errors)
    if kinds:
        told = ", ".join(f"{kind} x{n}" for kind, n in sorted(kinds.items()))
        note = f"{note}; clients saw {told}" if note else f"clients saw {told}"
    return {
        "fault": row,
        "posted": len(outcomes),
        "accepted": len(accepted),
        "stored": len(rows),
        "lost": sum(1 for o in accepted if o.accepted_id not in ids),
        "duplicated": sum(n - 1 for n in per_marker.values() if n > 1) + len(routed),
        "stuck": sum(1 for r in rows if r[2] in ("pending", "checking")),
        "published unchecked": sum(1 for r in rows if r[2] == "approved" and r[3] is None),
        "extra checks": sum(max(0, r[4] - 1) for r in rows),
        "client errors": len(errors),
        "500s": sum(1 for e in errors if e.startswith("500")),
        "recovery s": "-" if bad_input else (f"{recovery:.1f}" if recovery is not None else "> 120"),
        "note": note,
    }


# --- The faults -----------------------------------------------------------------------


def wait_until(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def decided_count(stack: Stack, row: str) -> int:
    with stack.db() as db:
        return db.execute(
            "SELECT count(*) FROM comments_comment WHERE body LIKE %s "
            "AND status NOT IN ('pending', 'checking')", [f"chaos-{row}-%"],
        ).fetchone()[0]


def row_redis_down_posting(stack: Stack) -> dict:
    row = "redis-down"
    stack.redis_kill()
    outcomes = post_many(stack, row, 20)
    stack.redis_start()
    healed = time.monotonic()
    return reconcile(stack, row, outcomes, wait_decided(stack, row, healed))


def row_worker_kill(stack: Stack) -> dict:
    row = "worker-kill"
    stack.kill("worker", signal.SIGTERM)
    outcomes = post_many(stack, row, 80)
    stack.worker_start()
    wait_until(lambda: decided_count(stack, row) >= 10)
    stack.kill("worker", signal.SIGKILL)
    left = 80 - decided_count(stack, row)
    stack.worker_start()
    healed = time.monotonic()
    return reconcile(stack, row, outcomes, wait_decided(stack, row, healed),
                     note=f"killed with {left} undecided")


def row_redis_restart_queue_lost(stack: Stack) -> dict:
    row = "redis-restart"
    stack.kill("worker", signal.SIGTERM)
    outcomes = post_many(stack, row, 20)
    stack.redis_kill()  # no persistence: the 20 queued messages are gone
    stack.redis_start()
    stack.worker_start()
    healed = time.monotonic()
    return reconcile(stack, row, outcomes, wait_decided(stack, row, healed))


def row_backlog(stack: Stack) -> dict:
    """The worker stopped for longer than the check time-out: several
    sweeps run while 100 messages wait. None may add a message."""
    row = "backlog"
    stack.kill("worker", signal.SIGTERM)
    outcomes = post_many(stack, row, 100)
    time.sleep(CHECK_TIMEOUT + 4 * SWEEP_INTERVAL)
    queued = sum(
        json.loads(raw).get("headers", {}).get("task") == "comments.check_comment"
        for raw in redis.Redis(port=stack.redis_port).lrange("celery", 0, -1)
    )
    stack.worker_start()
    healed = time.monotonic()
    return reconcile(stack, row, outcomes, wait_decided(stack, row, healed),
                     note=f"worker stopped {CHECK_TIMEOUT + 4 * SWEEP_INTERVAL} s: {queued} "
                          "check messages queued for 100 comments")


def row_pg_restart_posting(stack: Stack) -> dict:
    row = "pg-restart-posting"
    thread, outcomes = post_in_background(stack, row, 60, workers=4)
    time.sleep(0.5)
    stack.pg_ctl("stop")
    time.sleep(2)
    stack.pg_ctl("start")
    healed = time.monotonic()
    thread.join()
    return reconcile(stack, row, outcomes, wait_decided(stack, row, healed))


def row_pg_restart_checking(stack: Stack) -> dict:
    row = "pg-restart-checking"
    stack.kill("worker", signal.SIGTERM)
    outcomes = post_many(stack, row, 60)
    stack.worker_start()
    wait_until(lambda: decided_count(stack, row) >= 5)
    stack.pg_ctl("stop")
    time.sleep(2)
    stack.pg_ctl("start")
    healed = time.monotonic()
    return reconcile(stack, row, outcomes, wait_decided(stack, row, healed))


def breaker_reset(stack: Stack) -> None:
    """Close the hosted checker's breaker, as if the service had answered
    well for a while, so that each hosted row starts from a closed one."""
    client = redis.Redis(port=stack.redis_port)
    keys = list(client.scan_iter("newsroom:*breaker:*"))
    if keys:
        client.delete(*keys)


def _hosted_row(stack: Stack, mode: str) -> dict:
    row = f"hosted-{mode}"
    breaker_reset(stack)
    stack.fake.mode, calls = mode, stack.fake.calls
    started = time.monotonic()
    outcomes = post_many(stack, row, 30)
    recovery = wait_decided(stack, row, started)
    made = stack.fake.calls - calls
    stack.fake.mode = "ok"
    with stack.db() as db:
        named = db.execute(
            "SELECT count(*) FROM comments_comment WHERE body LIKE %s AND status IN ('review', 'spam') "
            "AND reasons::text LIKE '%%Moderation service%%' AND spam_score IS NOT NULL",
            [f"chaos-{row}-%"],
        ).fetchone()[0]
    return reconcile(stack, row, outcomes, recovery,
                     note=f"{made} calls to the service; {named} held (review, or spam on the local "
                          "rate check: one client IP) naming it, with local scores")


def row_hosted_500(stack):
    return _hosted_row(stack, "500")


def row_hosted_hang(stack):
    return _hosted_row(stack, "hang")


def row_hosted_garbage(stack):
    return _hosted_row(stack, "garbage")


def row_duplicate_delivery(stack: Stack) -> dict:
    from celery import Celery

    row = "duplicate-delivery"
    stack.kill("worker", signal.SIGTERM)
    outcomes = post_many(stack, row, 20)
    sender = Celery(broker=f"redis://127.0.0.1:{stack.redis_port}/0")
    for outcome in outcomes:
        for _ in range(3):
            sender.send_task("comments.check_comment", args=[outcome.accepted_id])
    stack.worker_start()
    healed = time.monotonic()
    return reconcile(stack, row, outcomes, wait_decided(stack, row, healed),
                     note="each check message sent 4 times")


def row_deep_json(stack: Stack) -> dict:
    row = "deep-json"
    body = b'{"author_name": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    outcomes = post_many(stack, row, 10, body=body, expect=400)
    return reconcile(stack, row, outcomes, None, bad_input=True, note="expected: JSON 400")


def row_invisible_input(stack: Stack) -> dict:
    row = "invisible-input"
    bodies = [
        {"author_name": "Ann", "author_email": "a@example.org", "body": "\u200b\u200c\u200d\ufeff"},
        {"author_name": "\u2060\u200b", "author_email": "a@example.org", "body": "Visible"},
        {"author_name": "\u202e\u2066", "author_email": "a@example.org", "body": "Visible"},
    ]
    outcomes = []
    for n in range(9):
        outcomes.append(post_one(stack, row, n, body=json.dumps(bodies[n % 3]).encode(), expect=400))
    return reconcile(stack, row, outcomes, None, bad_input=True, note="expected: JSON 400")


def row_network_partition(stack: Stack) -> dict:
    """Two worker "hosts" in network namespaces, reaching PostgreSQL and
    Redis over veth pairs; one loses its link while checking, and gets it
    back later."""
    row = "partition"
    stack.kill("worker", signal.SIGTERM)
    outcomes = post_many(stack, row, 60)
    hosts = stack.netns
    for i, (ns, _if, gateway) in enumerate(hosts, 1):
        stack.worker_start(f"host{i}", netns=ns, host=gateway)
    wait_until(lambda: decided_count(stack, row) >= 10, timeout=90)
    subprocess.run(["ip", "link", "set", hosts[0][1], "down"], check=True)
    cut = time.monotonic()
    wait_until(lambda: decided_count(stack, row) >= 60, timeout=60)
    subprocess.run(["ip", "link", "set", hosts[0][1], "up"], check=True)
    recovery = wait_decided(stack, row, cut)
    time.sleep(15)  # the partitioned worker reconnects and finishes what it held
    for i in (1, 2):
        stack.kill(f"host{i}", signal.SIGTERM)
    stack.worker_start()
    return reconcile(stack, row, outcomes, recovery,
                     note="host 1 cut off mid-check, back after the rest was decided")


def netns_setup(stack: Stack) -> None:
    """Two network namespaces ("hosts"), each joined to this host by a veth
    pair; PostgreSQL and Redis also listen on the host ends."""
    tag = os.getpid() % 10000
    for i in (1, 2):
        ns, host_if, ns_if = f"chaos{tag}h{i}", f"chv{tag}h{i}", "eth0"
        subnet = f"10.{200 + i}.{tag % 250}"
        stack.netns.append((ns, host_if, f"{subnet}.1"))
        subprocess.run(["ip", "netns", "add", ns], check=True)
        subprocess.run(["ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if,
                        "netns", ns], check=True)
        subprocess.run(["ip", "addr", "add", f"{subnet}.1/24", "dev", host_if], check=True)
        subprocess.run(["ip", "link", "set", host_if, "up"], check=True)
        for cmd in (["ip", "addr", "add", f"{subnet}.2/24", "dev", ns_if],
                    ["ip", "link", "set", ns_if, "up"], ["ip", "link", "set", "lo", "up"]):
            subprocess.run(["ip", "netns", "exec", ns, *cmd], check=True)
    stack._listen = ",".join(["127.0.0.1"] + [gw for _ns, _if, gw in stack.netns])


def netns_cleanup(stack: Stack) -> None:
    for ns, host_if, _gw in stack.netns:
        subprocess.run(["ip", "link", "del", host_if], check=False, stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "netns", "del", ns], check=False)


ROWS = {
    "redis-down": row_redis_down_posting,
    "worker-kill": row_worker_kill,
    "redis-restart": row_redis_restart_queue_lost,
    "backlog": row_backlog,
    "pg-restart-posting": row_pg_restart_posting,
    "pg-restart-checking": row_pg_restart_checking,
    "hosted-500": row_hosted_500,
    "hosted-hang": row_hosted_hang,
    "hosted-garbage": row_hosted_garbage,
    "duplicate-delivery": row_duplicate_delivery,
    "deep-json": row_deep_json,
    "invisible-input": row_invisible_input,
    "partition": row_network_partition,
}
COLUMNS = ["fault", "posted", "accepted", "stored", "lost", "duplicated", "stuck",
           "published unchecked", "extra checks", "client errors", "500s", "recovery s", "note"]


def table(results: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(r[c]) for c in COLUMNS) + " |" for r in results]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", choices=list(ROWS), help="run only these rows")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("chaos.py needs root (initdb as postgres, network namespaces).", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-chaos-"))
    fake = FakeModeration()
    stack = Stack(tmp, fake)
    results = []
    try:
        if not args.only or "partition" in args.only:
            netns_setup(stack)
        log(f"private PostgreSQL on {stack.pg_port}, Redis on {stack.redis_port}, in {tmp}")
        stack.pg_init()
        stack.redis_start()
        stack.manage("migrate", "--no-input", "-v0")
        stack.web_start()
        stack.worker_start()
        stack.beat_start()
        log(f"web (gunicorn, 2 workers) on {stack.web_port}, worker (concurrency 2), beat")
        for name in args.only or list(ROWS):
            log(f"fault: {name}")
            try:
                result = ROWS[name](stack)
            except Exception as exc:  # report the row, go on with the others
                result = {c: "-" for c in COLUMNS} | {"fault": name, "note": f"row failed: {exc!r}"}
            results.append(result)
            log(json.dumps(result))
            # Between rows: every process up, the fake service answering.
            if "redis" not in stack.procs:
                stack.redis_start()
            if "worker" not in stack.procs:
                stack.worker_start()
        print()
        print(table(results))
        (ROOT / "bench" / "results").mkdir(exist_ok=True)
        (ROOT / "bench" / "results" / "chaos.md").write_text(table(results) + "\n")
    finally:
        stack.shutdown()
        netns_cleanup(stack)
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    bad = [r for r in results if any(r.get(c) not in (0, "-") for c in
                                     ("lost", "duplicated", "stuck", "published unchecked", "500s"))]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
