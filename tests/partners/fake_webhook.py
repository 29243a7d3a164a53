"""A local HTTP server standing in for a partner's webhook endpoint.

It records every request, checks its signature the way docs/api.md tells
partners to, and answers with scripted status codes (and optional delays).
With ``tls=(certfile, keyfile)`` it speaks HTTPS as ``https://localhost``;
``self_signed_cert`` makes such a pair with the openssl command.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def self_signed_cert(directory: Path, name: str) -> tuple[str, str]:
    """A one-day self-signed certificate for the DNS name ``name`` (its own CA)."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name}"],
        check=True, capture_output=True,
    )
    return str(cert), str(key)


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
    def __init__(self, *, secret: str = "", statuses=(200,), delay: float = 0.0, tls: tuple[str, str] | None = None):
        self.secret = secret
        self.statuses = list(statuses)
        self.delay = delay
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        # Set when the server closes: a delayed answer stops waiting, so no
        # handler thread outlives the test that started it.
        self.closed = threading.Event()
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
                if outer.delay and outer.closed.wait(outer.delay):
                    return
                try:
                    self.send_response(code)
                    if 300 <= code < 400:
                        self.send_header("Location", "/elsewhere")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # The client gave up (a time-out, a killed worker).

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
        self.tls = tls
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            # Handshake in the handler's thread, so a client that refuses the
            # certificate cannot block the accept loop.
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True, do_handshake_on_connect=False)
            self.server.handle_error = lambda request, address: None  # a refused handshake
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self.server.server_address[1]
        if self.tls:
            return f"https://localhost:{port}/hooks/newsroom"
        return f"http://127.0.0.1:{port}/hooks/newsroom"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.closed.set()
        self.server.shutdown()
        self.server.server_close()
