"""The webhook benches' receiver: a local HTTP server that answers 204 and records when each
subject first arrived (``time.monotonic()``), for ``webhooks.py`` and ``celery_webhooks.py``."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class TimedReceiver:
    """Records the first arrival (monotonic) of each subject; answers 204."""

    def __init__(self):
        self.arrivals: dict[str, float] = {}
        self.requests = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.monotonic()
                try:
                    subject = json.loads(body)["data"]["subject"]
                except (ValueError, KeyError, TypeError):
                    subject = "?"
                receiver.requests += 1
                receiver.arrivals.setdefault(subject, now)
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
