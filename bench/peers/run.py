"""newsroom side by side with django-contrib-comments (DCC) and
django-comments-xtd on the paths readers hit: the article page, posting,
and the JSON list. ``make bench-peers`` runs it:

    .venv/bin/python bench/peers/run.py [--seconds 3] [--only page,post] [--no-gunicorn]

1. Creates ``.var/bench-peers/venv`` from the same Python as newsroom's
   virtualenv, with the Django, DRF and gunicorn pinned in requirements.txt
   plus django-contrib-comments 2.2.0 and django-comments-xtd 2.10.13.
2. Builds ``callgrind_ctl.c`` (valgrind's client requests) with ``cc``.
3. Seeds each app's SQLite database with the same article and 200 approved
   comments, and a second, empty article to post to (``measure.py seed``).
4. Runs each app once under ``valgrind --tool=callgrind`` and counts the
   instructions of each measured request only (``measure.py callgrind``):
   in-process through Django's test client, SQLite, DEBUG off; newsroom
   with Redis for its cache and Celery broker (``BENCH_REDIS``, default
   database 11), as in production.
5. Serves every app at once with gunicorn (2 sync workers each, 127.0.0.1
   only, the same SQLite files; newsroom a second time with its caches
   off) and measures requests per second per path for a few seconds each
   with a small threaded HTTP client (``--seconds``, ``--connections``),
   app after app, twice, keeping each one's best. Posting there is the
   whole flow: GET, read the form, POST.

Prints the table and writes it to ``bench/results/peers.txt``. Needs
valgrind and a C compiler (``make bench-peers`` installs them with apt-get
when missing) and Redis on 127.0.0.1:6379.
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
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
import measure  # noqa: E402

WORK = Path(os.environ.get("BENCH_PEERS_DIR", ROOT / ".var" / "bench-peers"))
VENV = WORK / "venv"
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/11")
PEER_PINS = ["django-contrib-comments==2.2.0", "django-comments-xtd==2.10.13"]
APPS = ["dcc", "xtd", "newsroom"]


def pins() -> list[str]:
    """Django, DRF and gunicorn exactly as newsroom pins them."""
    wanted = {"django", "djangorestframework", "gunicorn"}
    found = []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name = re.split(r"[=<>\[ ]", line.strip(), maxsplit=1)[0].lower()
        if name in wanted:
            found.append(line.strip())
    return found + PEER_PINS


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    marker = VENV / ".pins"
    want = "\n".join(pins())
    if python.exists() and marker.exists() and marker.read_text() == want:
        return python
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--clear", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *pins()], check=True)
    marker.write_text(want)
    return python


def build_lib() -> Path:
    lib = WORK / "libcallgrind_ctl.so"
    src = HERE / "callgrind_ctl.c"
    if not lib.exists() or lib.stat().st_mtime < src.stat().st_mtime:
        subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    return lib


def env_for(app: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    db = WORK / f"{app}.sqlite3"
    if app == "newsroom":
        env.update(
            DATABASE_URL=f"sqlite:///{db}",
            REDIS_URL=REDIS,
            CELERY_BROKER_URL=REDIS,
            SECRET_KEY="bench-peers-only",
            DEBUG="0",
            ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
            SECURE_COOKIES="0",
            API_THROTTLE_ANON="100000000/min",
            API_THROTTLE_USER="100000000/min",
            # Every post comes from 127.0.0.1: the reader form's per-client
            # throttle would refuse all but the first few (it still runs).
            FORM_THROTTLE_COMMENT="100000000/min",
            LOG_LEVEL="WARNING",
            NEWSROOM_VAR_DIR=str(WORK / "newsroom-var"),
        )
    else:
        env.update(PEERS_DB=str(db), PEER=app)
    env.update(extra)
    return env


def python_for(app: str, peers_python: Path) -> str:
    return sys.executable if app == "newsroom" else str(peers_python)


def seed(app: str, peers_python: Path) -> None:
    db = WORK / f"{app}.sqlite3"
    db.unlink(missing_ok=True)
    subprocess.run(
        [python_for(app, peers_python), str(HERE / "measure.py"), "seed", "--app", app],
        env=env_for(app), cwd=ROOT, check=True,
    )


# --- callgrind ------------------------------------------------------------------


def callgrind(app: str, peers_python: Path, lib: Path, only: str, repeat: int) -> dict[str, float]:
    out_dir = WORK / f"callgrind-{app}"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    summary = out_dir / "counts.json"
    cmd = [
        "valgrind", "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no",
        f"--callgrind-out-file={out_dir}/cg.%p", "--dump-line=no",
        python_for(app, peers_python), str(HERE / "measure.py"), "callgrind", "--app", app,
        "--lib", str(lib), "--out", str(summary), "--repeat", str(repeat), "--only", only,
    ]
    log = out_dir / "stderr.txt"
    with log.open("w") as err:
        subprocess.run(cmd, env=env_for(app), cwd=ROOT, check=True, stderr=err)
    counts = json.loads(summary.read_text())["counts"]
    totals: dict[str, int] = {}
    for dump in out_dir.glob("cg.*"):
        label, total = None, None
        with dump.open() as fh:
            for line in fh:
                if line.startswith("desc: Trigger: Client Request: "):
                    label = line.split(": ", 3)[-1].strip()
                elif line.startswith(("summary:", "totals:")):
                    total = int(line.split()[1])
        if label and total is not None:
            totals[label] = totals.get(label, 0) + total
    return {label: totals.get(label, 0) / n for label, n in counts.items()}


# --- gunicorn -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, app: str, peers_python: Path, **extra: str):
        self.port = free_port()
        python = python_for(app, peers_python)
        wsgi = "newsroom.wsgi:application" if app == "newsroom" else "peersite.wsgi:application"
        cwd = ROOT if app == "newsroom" else HERE
        env = env_for(app, **extra)
        if app != "newsroom":
            env["DJANGO_SETTINGS_MODULE"] = "peersite.settings"
        self.proc = subprocess.Popen(
            [python, "-m", "gunicorn", wsgi, "-w", "2", "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning"],
            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                status, _, _ = request(self.port, "GET", measure.page_url(app, measure.POST_SLUG))
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"gunicorn for {app} did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        conn.close()


def _cookies(headers, jar: dict[str, str]) -> None:
    for k, v in headers:
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            jar[name] = rest.split(";", 1)[0]


def post_flow(app: str, port: int, n: int) -> bool:
    jar: dict[str, str] = {}
    url = measure.page_url(app, measure.POST_SLUG)
    status, headers, body = request(port, "GET", url)
    if status != 200:
        return False
    _cookies(headers, jar)
    action, fields = measure.read_form(body.decode(), measure.FORM_MARKER[app])
    data = urlencode(measure.filled(app, fields, n))
    status, _, _ = request(
        port, "POST", action or url, body=data,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
        },
    )
    return status == 302


def load(unit, seconds: float, connections: int) -> tuple[float, int]:
    """Units per second over ``seconds`` with ``connections`` threads, and
    the number of failed units (after a few untimed ones)."""
    for n in range(2 * connections):  # warm both workers up (templates, connections)
        unit(-1 - n)
    stop = time.time() + seconds
    ok = [0] * connections
    bad = [0] * connections

    def worker(i):
        n = 0
        while time.time() < stop:
            n += 1
            try:
                good = unit(i * 1_000_000 + n)
            except OSError:
                good = False
            if good:
                ok[i] += 1
            else:
                bad[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    started = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(ok) / (time.time() - started), sum(bad)


def gunicorn_rates(apps: list[str], peers_python: Path, seconds: float, connections: int, rounds: int = 2):
    """Requests per second per app and path. Every app is served at once
    and the paths are measured app after app, ``rounds`` times, keeping
    each one's best: on a shared machine the load drifts, and this way it
    drifts for all three alike."""
    servers = {app: Server(app, peers_python) for app in apps}
    if "newsroom" in apps:
        # Cold: no Redis page cache, no cached section.
        servers["newsroom-cold"] = Server("newsroom", peers_python, API_CACHE_TTL="0", COMMENT_PAGE_CACHE="0")
    try:
        def get(server, path, status=200, headers=None):
            port = servers[server].port
            return lambda n: request(port, "GET", path, headers=headers)[0] == status

        page = measure.page_url("newsroom", measure.SLUG)
        api = f"/api/articles/{measure.SLUG}/comments/?page_size=20"
        units: dict[str, dict[str, object]] = {app: {} for app in apps}
        for app in apps:
            units[app]["page"] = get(app, measure.page_url(app, measure.SLUG))
            units[app]["post"] = (lambda a: lambda n: post_flow(a, servers[a].port, n))(app)
        if "newsroom" in apps:
            _, headers, _ = request(servers["newsroom"].port, "GET", api)
            etag = dict((k.lower(), v) for k, v in headers)["etag"]
            units["newsroom"].update(
                page_nocache=get("newsroom-cold", page),
                json_cold=get("newsroom-cold", api),
                json_cached=get("newsroom", api),
                json_304=get("newsroom", api, 304, {"If-None-Match": etag}),
            )
        if "xtd" in apps:
            units["xtd"]["json"] = get("xtd", "/comments/api/blog-article/1/")
        rates: dict[str, dict[str, float]] = {app: {} for app in apps}
        for _ in range(rounds):
            for label in ["page", "page_nocache", "post", "json", "json_cold", "json_cached", "json_304"]:
                for app in apps:
                    unit = units[app].get(label)
                    if unit is None:
                        continue
                    rate, bad = load(unit, seconds, connections)
                    rates[app][label] = max(rates[app].get(label, 0.0), rate)
                    if bad:
                        rates[app][label + "_errors"] = rates[app].get(label + "_errors", 0) + bad
        return rates
    finally:
        for server in servers.values():
            server.stop()


# --- the table ------------------------------------------------------------------

ROWS = [
    # (label, what, peer to compare with)
    ("page", "article page, 200 comments, as readers first see it", "dcc"),
    ("page_nocache", "article page, newsroom's page cache off", "dcc"),
    ("post", "post flow: GET page + POST -> redirect", "dcc"),
    ("post_get", "  GET half", "dcc"),
    ("post_post", "  POST half", "dcc"),
    ("json_cold", "JSON: newsroom page of 20 cold / xtd all 200", "xtd"),
    ("json_cached", "JSON: newsroom page of 20 from the Redis cache", "xtd"),
    ("json_304", "JSON: newsroom 304 (If-None-Match)", "xtd"),
]


def peer_value(table: dict, app: str, label: str):
    if app == "newsroom":
        return table.get(label)
    if label == "page_nocache":
        label = "page"
    if label.startswith("json"):
        label = "json"
    return table.get(label)


def fmt_m(v):
    return "–" if v is None else f"{v / 1e6:.1f} M"


def fmt_r(v):
    return "–" if v is None else f"{v:.0f}"


def table(instr: dict, rates: dict) -> str:
    for app in instr:
        t = instr[app]
        if "post_get" in t and "post_post" in t:
            t["post"] = t["post_get"] + t["post_post"]
    lines = [
        f"bench/peers, {time.strftime('%Y-%m-%d %H:%M')}, Python {platform.python_version()}, "
        f"{', '.join(pins())}; load average {'%.1f %.1f %.1f' % os.getloadavg()}, {os.cpu_count()} cores",
        "",
        "Instructions per request (valgrind callgrind; in-process, Django test client, SQLite, DEBUG off):",
        "",
        "| path | DCC | xtd | newsroom | newsroom / peer |",
        "|---|---|---|---|---|",
    ]
    for label, what, peer in ROWS:
        vals = {app: peer_value(instr.get(app, {}), app, label) for app in APPS}
        if vals["newsroom"] is None:
            continue
        if peer == "dcc" and label.startswith("json"):
            vals["dcc"] = None
        ratio = ""
        if vals.get(peer):
            ratio = f"{vals['newsroom'] / vals[peer]:.2f}× {peer.upper() if peer == 'dcc' else peer}"
        lines.append(f"| {what} | {fmt_m(vals['dcc'] if peer == 'dcc' else None)} | "
                     f"{fmt_m(vals['xtd'])} | {fmt_m(vals['newsroom'])} | {ratio} |")
    if rates:
        lines += [
            "",
            "Requests (post: whole flows) per second under gunicorn, 2 sync workers, SQLite, "
            "127.0.0.1, threaded Python client, best of two rounds:",
            "",
            "| path | DCC | xtd | newsroom | newsroom / peer |",
            "|---|---|---|---|---|",
        ]
        for label, what, peer in ROWS:
            if label in ("post_get", "post_post"):
                continue
            vals = {app: peer_value(rates.get(app, {}), app, label) for app in APPS}
            if vals["newsroom"] is None:
                continue
            if label.startswith("json"):
                vals["dcc"] = None
            ratio = f"{vals['newsroom'] / vals[peer]:.2f}× {peer}" if vals.get(peer) else ""
            lines.append(f"| {what} | {fmt_r(vals['dcc'])} | {fmt_r(vals['xtd'])} | "
                         f"{fmt_r(vals['newsroom'])} | {ratio} |")
        errors = {f"{app} {k}": v for app, r in rates.items() for k, v in r.items() if k.endswith("_errors")}
        if errors:
            lines += ["", f"Failed requests: {errors}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=3.0, help="gunicorn load per path")
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--repeat", type=int, default=2, help="measured requests per path (callgrind)")
    p.add_argument("--only", default="", help="paths to measure, e.g. page,post,json")
    p.add_argument("--apps", default=",".join(APPS))
    p.add_argument("--no-gunicorn", action="store_true")
    p.add_argument("--no-callgrind", action="store_true")
    p.add_argument("--output", default=str(ROOT / "bench" / "results" / "peers.txt"))
    a = p.parse_args()
    apps = [x for x in a.apps.split(",") if x]
    WORK.mkdir(parents=True, exist_ok=True)
    peers_python = ensure_venv()
    lib = build_lib()
    instr: dict[str, dict] = {}
    rates: dict[str, dict] = {}
    for app in apps:
        print(f"{app}: seeding", flush=True)
        seed(app, peers_python)
        if not a.no_callgrind:
            print(f"{app}: callgrind", flush=True)
            instr[app] = callgrind(app, peers_python, lib, a.only, a.repeat)
            print(f"{app}: " + ", ".join(f"{k} {v / 1e6:.1f} M" for k, v in sorted(instr[app].items())), flush=True)
    if not a.no_gunicorn:
        print("gunicorn: all apps at once, paths measured app after app", flush=True)
        rates = gunicorn_rates(apps, peers_python, a.seconds, a.connections)
        for app, r in rates.items():
            print(f"{app}: " + ", ".join(f"{k} {v:.0f}/s" for k, v in sorted(r.items())), flush=True)
    out = table(instr, rates)
    print(out)
    if a.output and a.apps == ",".join(APPS) and not a.only:
        Path(a.output).write_text(out)
    _purge_broker()


def _purge_broker() -> None:
    """Drop the check tasks the posts queued: no worker runs here."""
    try:
        import redis

        redis.Redis.from_url(REDIS).delete("celery")
    except Exception:
        pass


if __name__ == "__main__":
    main()
