"""API bench: policy-checked, audited ``GET /api/v1/beneficiaries/{id}`` against the same read
with policy and audit switched off, in one run on PostgreSQL behind gunicorn (loopback only).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/passerelle_bench \\
        .venv/bin/python bench/api/run.py --requests 3000 --workers 1,4

The database named in DATABASE_URL is created if missing, migrated and seeded (partner A holds
the records, partner B reads them through consent grants: the costlier policy path). The
access log's sequencer (``manage.py seal_audit``) runs beside gunicorn for the whole run, as in
production. For each gunicorn worker count of ``--workers``, requests alternate between the two
endpoints in rounds, so drift affects both alike. Prints both throughputs, their ratio
(target: policy/bare >= 0.9), the scaling of each from the first to the last worker count
(target: audited scaling >= 3x from 1 to 4 workers, with the bare read's scaling as the
baseline), and the sealing delay: from an audited response to its row being sealed.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parents[2]
ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.api.settings",
    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789abcdef"),
    "NIR_HASH_KEY": os.environ.get("NIR_HASH_KEY", "bench-only-nir-key"),
    "SECURE_SSL_REDIRECT": "false",
    "DEBUG": "false",
    "DB_CONN_MAX_AGE": "600",
}


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def seed(persons: int) -> dict:
    """Partner A holds ``persons`` records; B sees each through a consent grant."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from consent.models import Grant
    from hub.registry.models import Beneficiary, PartnerRecord
    from hub.registry.partners import onboard_partner

    call_command("migrate", verbosity=0)
    stamp = str(int(time.time()))
    a = onboard_partner(name=f"Bench CCAS {stamp}", kind="ccas", scopes=["records:read"])
    b = onboard_partner(name=f"Bench Asso {stamp}", kind="association", scopes=["records:read"])
    now = timezone.now()
    with transaction.atomic():
        people = Beneficiary.objects.bulk_create(
            Beneficiary(
                birth_name=f"Nom{i}",
                first_names="Camille",
                birth_date="1980-01-01",
                phone="0600000000",
                city="Lyon",
            )
            for i in range(persons)
        )
        PartnerRecord.objects.bulk_create(
            PartnerRecord(
                organization=a.organization,
                external_id=f"bench-{stamp}-{i}",
                beneficiary=person,
                payload={"birth_name": person.birth_name},
            )
            for i, person in enumerate(people)
        )
        Grant.objects.bulk_create(
            Grant(
                beneficiary=person,
                basis="consent",
                grantee_type="organization",
                grantee_organization=b.organization,
                granted_by=a.organization,
                purposes=["food_aid"],
                categories=["identity", "contact"],
                valid_from=now,
                valid_until=now + timezone.timedelta(days=365),
                evidence_method="written",
                collected_by_name="bench",
            )
            for person in people
        )
    return {
        "ids": [str(p.pk) for p in people],
        "client_id": b.client_id,
        "client_secret": b.client_secret,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [
            gunicorn,
            "hub.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **ENV},
    )
    for _ in range(120):
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return process
        except requests.RequestException:
            time.sleep(0.5)
    process.terminate()
    process.wait(timeout=30)
    raise SystemExit("gunicorn did not start")


def token(base: str, client_id: str, secret: str) -> str:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = requests.post(
        f"{base}/o/token/",
        data={"grant_type": "client_credentials", "scope": "records:read"},
        headers={"Authorization": f"Basic {basic}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["access_token"]


def hammer(urls: list[str], bearer: str, concurrency: int) -> tuple[float, int]:
    """GET every url with ``concurrency`` threads; (seconds, non-200 count)."""
    chunks = [urls[i::concurrency] for i in range(concurrency)]

    def work(chunk):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {bearer}"
        bad = 0
        for url in chunk:
            if session.get(url, timeout=30).status_code != 200:
                bad += 1
        return bad

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        bad = sum(pool.map(work, chunks))
    return time.perf_counter() - start, bad


class SealProbe:
    """While running, sends one audited request every ``period`` seconds with its own request
    id, and measures the time from its response to its access-log row being sealed."""

    def __init__(self, url_for, bearer: str, database_url: str, period: float = 0.25):
        self.url_for, self.bearer, self.database_url, self.period = (
            url_for,
            bearer,
            database_url,
            period,
        )
        self.delays: list[float] = []
        self._stop = threading.Event()
        self._pending: dict[str, float] = {}
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._send), threading.Thread(target=self._poll)]

    def __enter__(self):
        import psycopg

        # Poll only rows after this id (a primary-key range; request_id has no index).
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            self._after = conn.execute(
                "SELECT coalesce(max(id), 0) FROM consent_accesslog"
            ).fetchone()[0]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _send(self) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.bearer}"
        number = 0
        while not self._stop.wait(self.period):
            number += 1
            request_id = f"seal-probe-{os.getpid()}-{time.time_ns()}-{number}"
            response = session.get(self.url_for(), headers={"X-Request-ID": request_id}, timeout=30)
            if response.status_code == 200:
                with self._lock:
                    self._pending[request_id] = time.perf_counter()

    def _poll(self) -> None:
        import psycopg

        deadline = None
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while True:
                if self._stop.is_set():
                    deadline = deadline or time.perf_counter() + 10
                    if not self._pending or time.perf_counter() > deadline:
                        break
                with self._lock:
                    waiting = list(self._pending)
                if waiting:
                    sealed = conn.execute(
                        "SELECT request_id FROM consent_accesslog "
                        "WHERE id > %s AND request_id = ANY(%s) AND seq IS NOT NULL",
                        [self._after, waiting],
                    ).fetchall()
                    now = time.perf_counter()
                    with self._lock:
                        for (request_id,) in sealed:
                            self.delays.append(now - self._pending.pop(request_id))
                time.sleep(0.02)
        self.unsealed = len(self._pending)


def start_sealer(interval: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "seal_audit", "--interval", str(interval)],
        cwd=ROOT,
        env={**os.environ, **ENV},
        stdout=subprocess.DEVNULL,
    )


def run_workers(workers: int, data: dict, args, rng: random.Random, probe_delays: list) -> dict:
    """Both variants behind ``workers`` gunicorn workers: {name: req/s}."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(port, workers, args.threads)
    try:
        bearer = token(base, data["client_id"], data["client_secret"])
        per_round = max(1, args.requests // args.rounds)
        variants = {
            "policy+audit": f"{base}/api/v1/beneficiaries/",
            "bare": f"{base}/bench/bare/beneficiaries/",
        }
        # Warm up both paths (connections, caches) before measuring.
        for prefix in variants.values():
            hammer([prefix + rng.choice(data["ids"]) for _ in range(100)], bearer, args.concurrency)
        totals = {name: [0.0, 0, 0] for name in variants}
        for _ in range(args.rounds):
            for name, prefix in variants.items():
                urls = [prefix + rng.choice(data["ids"]) for _ in range(per_round)]
                if name == "policy+audit":
                    probe = SealProbe(
                        lambda prefix=prefix: prefix + rng.choice(data["ids"]),
                        bearer,
                        os.environ["DATABASE_URL"],
                    )
                    with probe:
                        seconds, bad = hammer(urls, bearer, args.concurrency)
                    probe_delays.extend(probe.delays)
                    if probe.unsealed:
                        raise SystemExit(f"{probe.unsealed} probe rows not sealed after 10 s")
                else:
                    seconds, bad = hammer(urls, bearer, args.concurrency)
                totals[name][0] += seconds
                totals[name][1] += len(urls)
                totals[name][2] += bad
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"gunicorn {workers} workers x {args.threads} threads, "
        f"{args.concurrency} client threads, {args.rounds} rounds, PostgreSQL"
    )
    for name, (seconds, count, bad) in totals.items():
        print(
            f"{name:>13}: {count} requests in {seconds:.2f} s = {count / seconds:.0f} req/s "
            f"({bad} non-200)"
        )
    if any(bad for _s, _c, bad in totals.values()):
        raise SystemExit("some requests failed")
    rates = {name: count / seconds for name, (seconds, count, _bad) in totals.items()}
    print(
        f"ratio policy+audit / bare = {rates['policy+audit'] / rates['bare']:.2f} (target >= 0.90)"
    )
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="per variant (bounded)")
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--workers",
        default=str(max(2, os.cpu_count() or 2)),
        help="gunicorn workers, or a comma list to measure scaling (e.g. 1,4)",
    )
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seal-interval", type=float, default=0.5, help="seal_audit --interval")
    args = parser.parse_args()
    worker_counts = [int(value) for value in args.workers.split(",")]

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database (it is migrated and seeded)")
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    ensure_database(url)
    data = seed(args.persons)
    rng = random.Random(7)
    delays: list[float] = []
    sealer = start_sealer(args.seal_interval)
    try:
        rates = {
            workers: run_workers(workers, data, args, rng, delays) for workers in worker_counts
        }
    finally:
        sealer.terminate()
        sealer.wait(timeout=30)
    if len(worker_counts) > 1:
        low, high = worker_counts[0], worker_counts[-1]
        audited = rates[high]["policy+audit"] / rates[low]["policy+audit"]
        bare = rates[high]["bare"] / rates[low]["bare"]
        print(
            f"scaling {low} -> {high} workers: policy+audit x{audited:.2f}, bare x{bare:.2f}, "
            f"audited / bare scaling = {audited / bare:.2f}"
        )
    if delays:
        delays.sort()
        p95 = delays[min(len(delays) - 1, int(0.95 * len(delays)))]
        print(
            f"sealing delay (audited response -> row sealed, seal_audit --interval "
            f"{args.seal_interval}): {len(delays)} probes, p50 {statistics.median(delays):.2f} s, "
            f"p95 {p95:.2f} s, max {delays[-1]:.2f} s (target <= 2 s)"
        )


if __name__ == "__main__":
    main()
