"""Celery task entry points of the registry (faces): they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from exchanges.dedupe import run_chunk


@shared_task(name="registry.dedupe_chunk", acks_late=True)
def dedupe_chunk(run_id: str, number: int) -> dict | None:
    """Process chunk ``number`` of dedupe run ``run_id``; safe to deliver twice."""
    result = run_chunk(run_id=run_id, number=number)
    return None if result is None else vars(result)
