"""Celery task entry points of the registry (faces): they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from exchanges.dedupe import run_chunk
from exchanges.jobs import stale_dedupe_chunks


@shared_task(name="registry.dedupe_chunk", acks_late=True)
def dedupe_chunk(run_id: str, number: int) -> dict | None:
    """Process chunk ``number`` of dedupe run ``run_id``; safe to deliver twice."""
    result = run_chunk(run_id=run_id, number=number)
    return None if result is None else vars(result)


@shared_task(name="registry.sweep_dedupe", ignore_result=True)
def sweep_dedupe() -> int:
    """Beat: queue again the unfinished chunks of dedupe runs gone silent (lost messages, dead
    workers); a chunk delivered twice is done once."""
    chunks = stale_dedupe_chunks()
    for run_id, number in chunks:
        dedupe_chunk.delay(str(run_id), number)
    return len(chunks)
