"""Celery entry points of the consent service (scheduled by CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from consent.grants import announce_expired_grants
from consent.integrity import CHAINS, make_checkpoint
from consent.retention import run_retention as run_retention_service


@shared_task(name="consent.tasks.checkpoint_chains")
def checkpoint_chains() -> list[int]:
    """Sign the head of each audit chain. Running it twice only adds a checkpoint."""
    return [make_checkpoint(name).pk for name in CHAINS]


@shared_task(name="consent.tasks.run_retention")
def run_retention() -> int:
    """Daily retention run: dry-run report, then purge when RETENTION_ENFORCE is on."""
    return run_retention_service().pk


@shared_task(name="consent.tasks.announce_expired_grants")
def announce_expirations() -> int:
    """Ledger row and events for grants whose period ended (safe to run twice)."""
    return announce_expired_grants()
