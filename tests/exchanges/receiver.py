"""A tiny local webhook receiver (http.server on 127.0.0.1) recording what it gets."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, statuses=(), hang_first: float = 0.0, hang: float = 0.0):
        self.requests: list[tuple[dict, bytes]] = []
        self.arrivals: list[float] = []  # time.monotonic() of each request
        self.hang = hang  # every answer waits this long
        self.statuses = list(statuses)  # answered in order, then 204
        self.hang_first = hang_first
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    first = not receiver.requests and receiver.hang_first
                    receiver.requests.append(
                        ({k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    receiver.arrivals.append(time.monotonic())
                    status = receiver.statuses.pop(0) if receiver.statuses else 204
                if first:
                    time.sleep(receiver.hang_first)
                if receiver.hang:
                    time.sleep(receiver.hang)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 60.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.05)
        raise AssertionError(f"received {len(self.requests)} of {count} webhook requests")
