"""A real HTTP server on 127.0.0.1 that imitates the Zalo OA group-message API, the Zalo Bot ``sendMessage``
API and a JSON webhook, for the digest's channel tests (a helper, not tests).

Each request is recorded (path, headers, JSON body). ``plan`` is a list of answers the next requests get,
one each, before the default ``ok``: ``ok``, ``5xx`` (503), ``invalid_token`` (the API's own refusal),
``slow`` (answers ``ok`` after ``slow_seconds``, beyond the client's read timeout: delivered, but the
client cannot know). A wrong token is refused as the real APIs do.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OA_TOKEN = "oa-token-SECRET-1"
BOT_TOKEN = "12345678:bot-token-SECRET-2"
WEBHOOK_TOKEN = "hook-token-SECRET-3"


class FakeZalo:
    def __init__(self, delay: float = 0.0, slow_seconds: float = 0.6) -> None:
        self.delay, self.slow_seconds = delay, slow_seconds
        self.requests: list[dict] = []
        self.plan: list[str] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with fake.lock:
                    fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    mode = fake.plan.pop(0) if fake.plan else "ok"
                time.sleep(fake.delay)
                if mode == "slow":
                    time.sleep(fake.slow_seconds)
                status, answer = fake.answer(self.path, self.headers, mode)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up waiting (the slow answer)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def answer(self, path: str, headers, mode: str) -> tuple[int, dict]:
        if mode == "5xx":
            return 503, {"error": "Service Unavailable"}
        if path == "/v3.0/oa/group/message":
            if mode == "invalid_token" or headers.get("access_token") != OA_TOKEN:
                return 200, {"error": -216, "message": "Access token is invalid"}
            return 200, {"error": 0, "message": "Success", "data": {"message_id": "m1"}}
        if path.startswith("/bot") and path.endswith("/sendMessage"):
            if mode == "invalid_token" or path != f"/bot{BOT_TOKEN}/sendMessage":
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return 200, {"ok": True, "result": {"message_id": "b1", "date": 1}}
        if path == "/hook":
            if mode == "invalid_token" or headers.get("Authorization") != f"Bearer {WEBHOOK_TOKEN}":
                return 401, {"error": "unauthorized"}
            return 200, {"received": True}
        return 404, {"error": "not found"}

    def received(self, prefix: str = "") -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["path"].startswith(prefix)]

    def __enter__(self) -> FakeZalo:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def refused_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
