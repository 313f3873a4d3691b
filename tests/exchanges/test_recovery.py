"""Jobs that recover by themselves: a real worker (with beat) on a private redis-server on its
own port (16391), killed and restarted under it; imports whose message was lost."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from exchanges import imports
from exchanges.dedupe import plan_run
from exchanges.models import ImportJob, ImportStatus
from exchanges.tasks import run_import, sweep_imports
from hub.celery import app
from hub.registry.actors import Actor
from hub.registry.models import DedupeRun
from hub.registry.tasks import sweep_dedupe
from tests.exchanges.conftest import distinct_identity
from tests.exchanges.worker import PrivateRedis, Worker
from tests.factories import record_payload

BROKER_PORT = 16391


def ndjson(prefix: str, rows: int) -> bytes:
    lines = []
    for n in range(rows):
        lines.append(
            json.dumps({"external_id": f"{prefix}-{n}", **record_payload(**distinct_identity())})
        )
    return "\n".join(lines).encode()


def new_job(partner, prefix: str, rows: int) -> ImportJob:
    actor = Actor(
        organization_id=partner.organization.pk,
        organization_ids=(partner.organization.pk,),
        client_id=partner.onboarded.client.pk,
    )
    return imports.create_job(actor=actor, content=ndjson(prefix, rows), format="ndjson")


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what}: not reached in {timeout:.0f} s")


def use_broker(url: str) -> None:
    """Point this process's Celery producer at ``url`` (drops pooled connections)."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


SWEEP_ENV = {"JOBS_STALE_SECONDS": "5", "JOBS_SWEEP_SECONDS": "1"}


@pytest.mark.django_db(transaction=True)
def test_a_queued_import_whose_message_was_lost_is_swept_and_completes(partner_a, settings):
    """Eager here: posted while the broker was down, the job stays queued with no message;
    once silent for the stale period, the sweeper queues it again and it completes."""
    job = new_job(partner_a, "Q", 3)  # no task queued: the message was lost
    assert sweep_imports.delay().get() == 0  # not stale yet: nothing queued twice
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=None)
    assert sweep_imports.delay().get() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert job.processed == 3


@pytest.mark.django_db(transaction=True)
def test_an_import_left_running_by_a_dead_worker_resumes_once_silent(partner_a):
    job = new_job(partner_a, "R", 120)
    imports._process_chunk(  # the dead worker had committed its first chunk
        Actor(
            organization_id=partner_a.organization.pk,
            organization_ids=(partner_a.organization.pk,),
            client_id=partner_a.onboarded.client.pk,
        ),
        job.pk,
        list(imports.iter_rows(bytes(job.content), "ndjson"))[: imports.CHUNK],
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    assert sweep_imports.delay().get() == 0  # its heartbeat is recent: still alive
    ImportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOBS_STALE_SECONDS + 1)
    )
    assert sweep_imports.delay().get() == 1
    job.refresh_from_db()
    assert (job.status, job.processed, job.rows.count()) == (ImportStatus.DONE, 120, 120)


@pytest.mark.django_db(transaction=True)
def test_a_dedupe_run_whose_chunks_were_lost_is_swept_and_finishes(partner_a):
    run = plan_run(chunks=3)  # planned, but its chunk messages never reached a worker
    assert sweep_dedupe.delay().get() == 0  # fresh heartbeat: left alone
    DedupeRun.objects.filter(pk=run.pk).update(heartbeat_at=None)
    assert sweep_dedupe.delay().get() == 3
    run.refresh_from_db()
    assert (run.status, run.done_chunks) == ("done", 3)
    assert sweep_dedupe.delay().get() == 0  # nothing left to sweep


@pytest.mark.broker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_broker_killed_with_imports_in_flight_every_import_completes_without_a_hand(
    partner_a, tmp_path
):
    broker = PrivateRedis(port=BROKER_PORT).start()
    previous = app.conf.broker_url
    use_broker(broker.url)
    worker = Worker(tmp_path, broker_url=broker.url, concurrency=2, **SWEEP_ENV)
    try:
        worker.start()
        jobs = [new_job(partner_a, f"J{n}", 60) for n in range(4)]
        for job in jobs:
            run_import.delay(str(job.pk))
        wait_until(
            lambda: ImportJob.objects.filter(status=ImportStatus.RUNNING).exists(),
            60,
            "an import running",
        )
        broker.kill()  # tasks in flight, unacknowledged messages in the broker
        time.sleep(5)
        broker.start()  # empty: the queue and the unacknowledged set are gone
        wait_until(
            lambda: ImportJob.objects.filter(status=ImportStatus.DONE).count() == len(jobs),
            240,
            "every import done",
        )
        assert worker.process.poll() is None, "the worker exited:\n" + "".join(worker.output[-60:])
    finally:
        worker.stop()
        (tmp_path / "worker.log").write_text("".join(worker.output))
        use_broker(previous)
        broker.stop()
    for job in ImportJob.objects.all():
        assert job.processed == job.total == 60
        assert job.rows.count() == 60
