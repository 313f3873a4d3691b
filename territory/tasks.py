"""Celery entry points of the observatory (beat: refresh every 30 s, rebuild nightly).

Both are safe to run twice: a refresh replays from territory's mark in the outbox, a rebuild
recomputes everything; a lost message is found again by the next beat tick.
"""

from __future__ import annotations

from celery import shared_task

from territory import refresh


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def refresh_aggregates() -> int:
    total = 0
    while True:
        read = refresh.refresh()
        total += read
        if read < 50_000:
            return total


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def rebuild_aggregates() -> None:
    refresh.rebuild()
