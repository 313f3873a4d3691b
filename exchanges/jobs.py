"""Long jobs that recover by themselves: heartbeats and the sweeper (Celery beat).

A queued job's message can be lost (posted while the broker was down; a broker that lost its
unacknowledged set) and a worker can die mid-job (its message comes back only after the
broker's visibility timeout, an hour on Redis, or never). So every long job carries a
heartbeat, ``heartbeat_at``: set when it is queued, when it starts, after every committed chunk.
The sweeper (``exchanges.tasks.sweep_jobs`` every ``JOBS_SWEEP_SECONDS``) looks for jobs
still queued or running whose heartbeat is older than ``JOBS_STALE_SECONDS`` and queues them
again. Taking such a job is a conditional UPDATE of its heartbeat (go on only if one row
changed), so two sweepers never queue it twice in the same round, and a re-queued job is not
queued again before another stale period.

Running a job twice is harmless: an import resumes at its first uncommitted chunk under a lock
on the job row, a dedupe chunk is held by one worker (advisory lock) and marked done once.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from exchanges.models import ImportJob, ImportStatus
from hub.registry.models import DedupeChunk, DedupeRun

RUNNING = "running"


def stale_before(now=None):
    return (now or timezone.now()) - timedelta(seconds=settings.JOBS_STALE_SECONDS)


def _stale(now) -> Q:
    return Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale_before(now))


def beat_import(job_id, now=None) -> None:
    ImportJob.objects.filter(pk=job_id).update(heartbeat_at=now or timezone.now())


def beat_dedupe(run_id, now=None) -> None:
    DedupeRun.objects.filter(pk=run_id).update(heartbeat_at=now or timezone.now())


def stale_imports(*, now=None) -> list:
    """Imports queued or running without a sign of life: taken (heartbeat set now), returned."""
    now = now or timezone.now()
    candidates = ImportJob.objects.filter(
        _stale(now), status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING)
    ).values_list("pk", "heartbeat_at")
    taken = []
    for pk, beat in candidates[:500]:
        if ImportJob.objects.filter(pk=pk, heartbeat_at=beat).update(heartbeat_at=now) == 1:
            taken.append(pk)
    return taken


def stale_dedupe_chunks(*, now=None) -> list[tuple]:
    """(run id, chunk number) of every unfinished chunk of running runs gone silent."""
    now = now or timezone.now()
    out = []
    for pk, beat in DedupeRun.objects.filter(_stale(now), status=RUNNING).values_list(
        "pk", "heartbeat_at"
    ):
        if DedupeRun.objects.filter(pk=pk, heartbeat_at=beat).update(heartbeat_at=now) != 1:
            continue
        numbers = DedupeChunk.objects.filter(run_id=pk, done=False).values_list("number", flat=True)
        out.extend((pk, number) for number in numbers.order_by("number"))
    return out
