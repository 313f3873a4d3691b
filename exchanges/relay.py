"""The webhook relay: reads the outbox in feed order and fans events out to endpoints.

It runs after every commit that emitted events (a kick from ``exchanges.outbox``) and from
Celery beat every ``WEBHOOKS_RELAY_SECONDS``. Because it reads the outbox table rather than
trusting the kick, an event committed while the broker was down is relayed by the next run:
nothing is lost. One relay runs at a time (row lock on its ``OutboxMark``); a run that finds it
busy asks the running one to go round once more.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from exchanges import feed, webhooks
from exchanges.models import OutboxMark, WebhookEndpoint

RERUN_KEY = "passerelle:relay:rerun"


def relay_once(*, batch: int = 1000) -> tuple[int, list[int]] | None:
    """Fan out the next batch. Returns (events read, delivery ids to queue), None if busy."""
    OutboxMark.objects.get_or_create(name=feed.RELAY)
    with transaction.atomic():
        mark = (
            OutboxMark.objects.select_for_update(skip_locked=True).filter(name=feed.RELAY).first()
        )
        if mark is None:
            return None
        events = list(feed.after(feed.Position(mark.xid, mark.event_id))[:batch])
        if not events:
            return 0, []
        endpoints = list(WebhookEndpoint.objects.filter(is_active=True))
        ids = webhooks.fan_out(events, endpoints)
        last = feed.Position.of(events[-1])
        mark.xid, mark.event_id = last.xid, last.event_id
        mark.save(update_fields=["xid", "event_id", "updated_at"])
    return len(events), ids


def relay(*, batch: int = 1000, max_rounds: int = 100) -> list[int]:
    """Relay until the outbox is drained; return the delivery ids to queue."""
    queued: list[int] = []
    for _ in range(max_rounds):
        result = relay_once(batch=batch)
        if result is None:
            cache.set(RERUN_KEY, 1, timeout=60)
            break
        count, ids = result
        queued.extend(ids)
        if count == batch:
            continue
        if cache.delete(RERUN_KEY):
            continue
        break
    return queued
