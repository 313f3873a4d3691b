"""Webhooks, commit → receipt, through the dispatcher (``manage.py dispatch_webhooks``).

    createdb -h 127.0.0.1 -U postgres passerelle_webhooks_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/passerelle_webhooks_bench \\
    SECRET_KEY=bench NIR_HASH_KEY=bench \\
    python bench/exchanges/webhooks.py --rates 50,200 --seconds 20

For each rate R: events are committed at R per second for S seconds (each in its own
transaction, through ``hub.outbox.emit``, from a few writer threads), a real dispatcher
subprocess delivers them to a local receiver on 127.0.0.1, and the receiver notes when each
arrives. Printed: delivered/total (0 lost expected), p50/p95/p99 from commit to receipt, and the
same-run baseline, a bare HTTP POST to the same receiver (p95), with the ratio. With
``--open-transaction`` an unrelated transaction is left open during the run (it must not hold
webhooks back).

The database is wiped of exchanges/registry rows at start: use a dedicated one.
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ["WEBHOOKS_DELIVERY"] = "dispatcher"

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from receiver import TimedReceiver  # noqa: E402

WRITERS = 4


def say(text: str) -> None:
    print(text, flush=True)


def reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND ("
            "tablename LIKE 'exchanges_%%' OR tablename LIKE 'registry_%%' "
            "OR tablename LIKE 'consent_%%' OR tablename LIKE 'oauth2_provider_%%')"
        )
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SET session_replication_role = replica; TRUNCATE "
            + ", ".join(f'"{t}"' for t in tables)
            + " CASCADE; SET session_replication_role = DEFAULT"
        )


def start_dispatcher() -> subprocess.Popen:
    env = {**os.environ, "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "dispatch_webhooks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    line = process.stdout.readline()
    if "ready" not in line:
        raise SystemExit(f"the dispatcher did not start: {line}")
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    return process


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, max(0, round(q * len(values)) - 1))]


def run_rate(org_id, receiver: TimedReceiver, rate: int, seconds: int, tag: str) -> dict:
    from hub.outbox.emit import emit  # noqa: PLC0415 (after django.setup)

    total = rate * seconds
    commits: dict[str, float] = {}
    slots: queue.SimpleQueue = queue.SimpleQueue()
    start = time.monotonic() + 0.2
    for n in range(total):
        slots.put((start + n / rate, f"{tag}-{n}"))
    for _ in range(WRITERS):
        slots.put(None)

    def writer():
        try:
            while (slot := slots.get()) is not None:
                due, subject = slot
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                with transaction.atomic():
                    emit(type="bench.tick", organization_id=org_id, subject_id=subject)
                commits[subject] = time.monotonic()
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sum(s in receiver.arrivals for s in commits) < total:
        time.sleep(0.1)
    latencies = sorted(receiver.arrivals[s] - commits[s] for s in commits if s in receiver.arrivals)
    late = max(0.0, time.monotonic() - start - seconds)
    return {"total": total, "latencies": latencies, "drained_after": late}


def bare_post(url: str, n: int = 300) -> float:
    timings = []
    for _ in range(n):
        t0 = time.monotonic()
        requests.post(url, data=b'{"data":{"subject":"bare"}}', timeout=5)
        timings.append(time.monotonic() - t0)
    timings.sort()
    return percentile(timings, 0.95)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="50,200")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--open-transaction", action="store_true")
    args = parser.parse_args()
    if not settings.USES_POSTGRES:
        sys.exit("bench/exchanges/webhooks.py needs PostgreSQL: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    reset()
    from exchanges.models import WebhookEndpoint  # noqa: PLC0415
    from exchanges.webhooks import new_secret  # noqa: PLC0415
    from hub.registry.partners import onboard_partner  # noqa: PLC0415

    onboarded = onboard_partner(name="Bench webhooks", kind="ccas", scopes=["events:read"])
    receiver = TimedReceiver()
    WebhookEndpoint.objects.create(
        organization=onboarded.organization,
        client=onboarded.client,
        url=receiver.url,
        secret=new_secret(),
    )
    other = None
    if args.open_transaction:
        params = connection.settings_dict
        other = psycopg.connect(
            dbname=params["NAME"],
            user=params["USER"] or "postgres",
            host=params["HOST"] or "127.0.0.1",
            port=params["PORT"] or 5432,
            password=params["PASSWORD"] or None,
        )
        other.execute("SELECT pg_current_xact_id()")  # holds an xid until the end
    dispatcher = start_dispatcher()
    results = {}
    try:
        for rate in (int(r) for r in args.rates.split(",")):
            cpu = cpu_seconds(dispatcher.pid)
            results[rate] = run_rate(
                onboarded.organization.pk, receiver, rate, args.seconds, f"R{rate}"
            )
            results[rate]["cpu"] = cpu_seconds(dispatcher.pid) - cpu
    finally:
        dispatcher.terminate()
        dispatcher.wait(30)
        if other is not None:
            other.rollback()
            other.close()
    bare95 = bare_post(receiver.url)
    for rate, result in results.items():
        latencies = result["latencies"]
        lost = result["total"] - len(latencies)
        if not latencies:
            say(f"WEBHOOKS {rate}/s: nothing delivered")
            continue
        p50 = statistics.median(latencies)
        p95, p99 = percentile(latencies, 0.95), percentile(latencies, 0.99)
        load = os.getloadavg()[0]
        say(
            f"WEBHOOKS (load {load:.1f}) {rate} events/s x {args.seconds} s: {len(latencies)}/{result['total']}"
            f" delivered, {lost} lost | commit->receipt p50 {p50 * 1000:.0f} ms,"
            f" p95 {p95 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms | bare POST p95"
            f" {bare95 * 1000:.1f} ms | ratio p95/bare {p95 / bare95:.0f}x | dispatcher CPU"
            f" {result['cpu'] / max(1, len(latencies)) * 1000:.1f} ms/delivery"
            f"{' | unrelated transaction open' if other is not None else ''}"
        )


if __name__ == "__main__":
    main()
