"""The webhook bench through Celery (``run.py --only webhooks``): events emitted at a steady rate,
delivered by a Celery worker to a local receiver; commit → receipt latency. The dispatcher's
bench is ``webhooks.py``."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from receiver import TimedReceiver
from run import reset, say


def bench_webhooks(rate: int, seconds: int) -> None:
    import requests

    from exchanges.models import WebhookEndpoint
    from exchanges.webhooks import new_secret
    from hub.outbox.emit import emit
    from hub.registry.partners import onboard_partner
    from tests.exchanges.worker import Worker

    if not settings.CELERY_BROKER_URL or not settings.REDIS_URL:
        say("WEBHOOKS skipped: set CELERY_BROKER_URL and REDIS_URL (shared cache)")
        return
    reset()
    onboarded = onboard_partner(
        name=f"Bench webhooks {time.time_ns()}", kind="ccas", scopes=["events:read"]
    )
    org = onboarded.organization
    receiver = TimedReceiver()
    WebhookEndpoint.objects.create(
        organization=org, client=onboarded.client, url=receiver.url, secret=new_secret()
    )
    import tempfile

    tmp = Path(tempfile.mkdtemp())
    worker = Worker(
        tmp,
        concurrency=8,
        WEBHOOKS_ALLOW_PRIVATE_TARGETS="true",
        WEBHOOKS_REQUEUE_SECONDS="60",
        REDIS_URL=os.environ.get("REDIS_URL", ""),
    )
    worker.env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    with worker:
        total = rate * seconds
        commits: dict[str, float] = {}
        start = time.perf_counter()
        for n in range(total):
            target = start + n / rate
            pause = target - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            with transaction.atomic():
                emit(type="bench.tick", organization_id=org.pk, subject_id=f"W-{n}")
            commits[f"W-{n}"] = time.monotonic()
        deadline = time.time() + 60
        while len(receiver.arrivals) < total and time.time() < deadline:
            time.sleep(0.1)
    if os.environ.get("BENCH_WORKER_LOG"):
        Path(os.environ["BENCH_WORKER_LOG"]).write_text("".join(worker.output))
    latencies = sorted(receiver.arrivals[s] - commits[s] for s in commits if s in receiver.arrivals)
    if not latencies:
        say("WEBHOOKS nothing delivered")
        return
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    bare = []
    for _ in range(200):
        t0 = time.monotonic()
        requests.post(receiver.url, data=b'{"data":{"subject":"bare"}}', timeout=5)
        bare.append(time.monotonic() - t0)
    bare.sort()
    bare95 = bare[int(len(bare) * 0.95) - 1]
    say(
        f"WEBHOOKS  {len(latencies)}/{total} delivered at {rate} events/s: p50 {p50 * 1000:.0f} ms,"
        f" p95 {p95 * 1000:.0f} ms commit->receipt | bare POST p95 {bare95 * 1000:.1f} ms |"
        f" ratio {p95 / bare95:.0f}x (target p95 <= 1000 ms)"
    )
