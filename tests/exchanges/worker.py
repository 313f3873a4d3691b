"""Start a real ``celery -A hub worker`` (with embedded beat) against the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    params = connection.settings_dict
    auth = params["USER"] or "postgres"
    if params.get("PASSWORD"):
        auth += f":{params['PASSWORD']}"
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{params['NAME']}"


class Worker:
    """A worker process group; ``kill()`` is SIGKILL, as when a machine dies."""

    def __init__(self, tmp_path: Path, broker_url: str | None = None, concurrency: int = 2, **env):
        self.tmp_path = tmp_path
        self.concurrency = concurrency
        self.env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "CELERY_BROKER_URL": broker_url or os.environ["CELERY_BROKER_URL"],
            "SECRET_KEY": os.environ.get("SECRET_KEY", "test-only"),
            "NIR_HASH_KEY": os.environ.get("NIR_HASH_KEY", "test-only"),
            "SECURE_SSL_REDIRECT": "false",
            "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",
            "WEBHOOKS_TIMEOUT_SECONDS": "2",
            "WEBHOOKS_RELAY_SECONDS": "1",
            "WEBHOOKS_REQUEUE_SECONDS": "2",
            # These workers test the Celery delivery path; ``Dispatch`` runs the dispatcher.
            "WEBHOOKS_DELIVERY": "celery",
            "PYTHONPATH": str(ROOT),
            **env,
        }
        if "REDIS_URL" not in env:
            self.env.pop("REDIS_URL", None)
        self.process: subprocess.Popen | None = None
        self.output: list[str] = []
        self.ready = threading.Event()

    def start(self, timeout: float = 60.0) -> Worker:
        self.ready.clear()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hub",
                "worker",
                "-B",
                "--loglevel=INFO",
                f"--concurrency={self.concurrency}",
                "--without-gossip",
                "--without-mingle",
                "-s",
                str(self.tmp_path / "beat-schedule"),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(timeout):
            self.stop()
            raise AssertionError("the worker did not start:\n" + "".join(self.output[-40:]))
        return self

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            if " ready." in line:
                self.ready.set()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class PrivateRedis:
    """A throw-away redis-server on its own port (16000-16999: clear of the shared services),
    without persistence, that a test may stop, kill and restart (empty, as a broker that lost
    its data)."""

    def __init__(self, port: int = 16390):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def kill(self) -> None:
        """SIGKILL: connections drop at once, nothing is saved."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


class Dispatch:
    """``manage.py dispatch_webhooks`` as a subprocess against the test database."""

    def __init__(self, **env):
        self.env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "SECRET_KEY": os.environ.get("SECRET_KEY", "test-only"),
            "NIR_HASH_KEY": os.environ.get("NIR_HASH_KEY", "test-only"),
            "SECURE_SSL_REDIRECT": "false",
            "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",
            "WEBHOOKS_DELIVERY": "dispatcher",
            "WEBHOOKS_TIMEOUT_SECONDS": "5",
            "PYTHONPATH": str(ROOT),
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.output: list[str] = []

    def start(self, timeout: float = 60.0) -> Dispatch:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "dispatch_webhooks", "--threads", "4"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        ready = threading.Event()

        def read():
            for line in self.process.stdout:
                self.output.append(line)
                if "dispatcher ready" in line:
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(timeout):
            self.process.kill()
            raise AssertionError("the dispatcher did not start:\n" + "".join(self.output[-40:]))
        return self

    def terminate(self, timeout: float = 30.0) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)
