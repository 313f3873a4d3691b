"""The webhook relay: reads the outbox in feed order and fans events out to endpoints.

With the dispatcher (``WEBHOOKS_DELIVERY=dispatcher``, ``exchanges.dispatcher``) it is the
dispatcher's safety net, run every poll: fan-out happens first on each commit notification,
without waiting for the watermark. With ``WEBHOOKS_DELIVERY=celery`` it runs after every commit
that emitted events (a kick on ``hub.outbox.emit.events_committed``) and from Celery beat every
``WEBHOOKS_RELAY_SECONDS``. Because it reads the outbox table rather than
trusting the kick, an event committed while the broker was down is relayed by the next run:
nothing is lost. One relay runs at a time (advisory lock); a run that finds it
busy asks the running one to go round once more.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection, transaction

from exchanges import feed, webhooks
from exchanges.models import OutboxMark, WebhookEndpoint

RERUN_KEY = "passerelle:relay:rerun"
RELAY_LOCK = 0x70617373_72656C61  # "passrela"


def _try_lock() -> bool:
    """One relay at a time. On PostgreSQL a transaction-scoped advisory lock: unlike a row lock
    it assigns no transaction id, so a running relay does not hold the watermark back."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [RELAY_LOCK])
        return bool(cursor.fetchone()[0])


def relay_once(
    *, batch: int = 1000, queue: bool = True, done: frozenset | set = frozenset()
) -> tuple[int, list[int]] | None:
    """Fan out the next batch. Returns (events read, delivery ids to queue), None if busy.
    Without ``queue`` (the dispatcher claims due rows itself) no id is marked queued. Events in
    ``done`` were fanned out already (by the dispatcher, on their commit notification) and are
    only passed over; fanning them out again would be harmless, merely wasted."""
    OutboxMark.objects.get_or_create(name=feed.RELAY)
    with transaction.atomic():
        if not _try_lock():
            return None
        mark = OutboxMark.objects.get(name=feed.RELAY)
        events = list(feed.after(feed.Position(mark.xid, mark.event_id))[:batch])
        if not events:
            return 0, []
        todo = [event for event in events if event.pk not in done]
        endpoints = list(WebhookEndpoint.objects.filter(is_active=True)) if todo else []
        if queue:
            ids = webhooks.fan_out(todo, endpoints)
        else:
            webhooks.create_deliveries(todo, endpoints)
            ids = []
        last = feed.Position.of(events[-1])
        mark.xid, mark.event_id = last.xid, last.event_id
        mark.save(update_fields=["xid", "event_id", "updated_at"])
    return len(events), ids


def relay(
    *, batch: int = 1000, max_rounds: int = 100, queue: bool = True, done=frozenset()
) -> list[int]:
    """Relay until the outbox is drained; return the delivery ids to queue."""
    queued: list[int] = []
    for _ in range(max_rounds):
        result = relay_once(batch=batch, queue=queue, done=done)
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


def held_back() -> bool:
    """Committed events the relay cannot read yet because an older transaction is still open."""
    mark = OutboxMark.objects.filter(name=feed.RELAY).first()
    position = feed.Position(mark.xid, mark.event_id) if mark else feed.Position()
    return feed.waiting(position)
