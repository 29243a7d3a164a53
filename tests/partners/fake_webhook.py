"""A local HTTP server standing in for a partner's webhook endpoint.

It records every request, checks its signature the way docs/api.md tells
partners to, and answers with scripted status codes (and optional delays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify_signature(*, secret: str, headers, body: bytes, tolerance: int = 300) -> bool:
    """What a partner runs: recompute the HMAC over "<timestamp>.<body>",
    compare in constant time, and refuse stale timestamps."""
    timestamp = headers.get("X-Newsroom-Timestamp", "")
    signature = headers.get("X-Newsroom-Signature", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class FakeWebhookServer:
    def __init__(self, *, secret: str = "", statuses=(200,), delay: float = 0.0):
        self.secret = secret
        self.statuses = list(statuses)
        self.delay = delay
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.lock:
                    outer.requests.append({
                        "headers": dict(self.headers),
                        "body": body,
                        "json": json.loads(body or b"null"),
                        "signature_ok": verify_signature(
                            secret=outer.secret, headers=self.headers, body=body
                        ),
                    })
                    n = len(outer.requests)
                    code = outer.statuses[min(n, len(outer.statuses)) - 1]
                if outer.delay:
                    time.sleep(outer.delay)
                self.send_response(code)
                if 300 <= code < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def do_GET(self):
                # Only a followed redirect would arrive here.
                with outer.lock:
                    outer.requests.append({"headers": dict(self.headers), "body": b"",
                                           "json": None, "signature_ok": False})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/newsroom"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
