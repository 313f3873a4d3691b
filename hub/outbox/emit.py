"""Emit outbox events in the transaction of the change they describe.

Who may read an event is decided at read time (``exchanges.feed``): the emitting organization,
the ``recipient`` organization, and, for ``shared`` events, every organization that may see the
person. After the commit of a transaction that emitted events, ``events_committed`` is sent
once, with the ids of the events it emitted (``event_ids``; an id may name an event of a
savepoint that was rolled back, so listeners look them up): the webhook relay and dispatcher
(``exchanges``) listen to it, so this module imports no service.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.dispatch import Signal

from hub import bulkwrite
from hub.outbox.models import Event

# The 64-bit transaction id (epoch-extended, never wraps) of the writing transaction.
CURRENT_XID_SQL = "pg_current_xact_id()::text::bigint"

# Sent (robustly) after the commit of a transaction that emitted at least one event, with
# ``event_ids``: the ids emitted by that transaction.
events_committed = Signal()


def emit(
    *,
    type: str,
    organization_id=None,
    beneficiary_id=None,
    subject_id="",
    data=None,
    recipient_organization_id=None,
    shared: bool = False,
) -> Event:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events must be emitted inside the transaction of the change")
    event = Event(
        type=type,
        organization_id=organization_id,
        recipient_id=recipient_organization_id,
        shared=shared,
        beneficiary_id=beneficiary_id,
        subject_id=str(subject_id),
        data=data or {},
    )
    if settings.USES_POSTGRES:
        event.xid = RawSQL(CURRENT_XID_SQL, [])  # noqa: S611 (constant SQL)
    event.save(force_insert=True)
    if settings.USES_POSTGRES:
        del event.xid  # deferred: read back from the database only if someone asks
    _notify_on_commit(event.pk)
    return event


def emit_many(events: list[dict]) -> list[int]:
    """``emit`` of each event (the keyword arguments of ``emit``), in order, in one INSERT per
    thousand events. Returns their ids."""
    if not events:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events must be emitted inside the transaction of the change")
    rows = [
        Event(
            type=event["type"],
            organization_id=event.get("organization_id"),
            recipient_id=event.get("recipient_organization_id"),
            shared=event.get("shared", False),
            beneficiary_id=event.get("beneficiary_id"),
            subject_id=str(event.get("subject_id", "")),
            data=event.get("data") or {},
        )
        for event in events
    ]
    extra = None
    if settings.USES_POSTGRES:
        with transaction.get_connection().cursor() as cursor:
            cursor.execute(f"SELECT {CURRENT_XID_SQL}")
            extra = {"xid": cursor.fetchone()[0]}
    bulkwrite.insert(Event, rows, extra=extra)
    ids = [row.pk for row in rows]
    _notify_on_commit(*ids)
    return ids


class _Committed:
    """The after-commit callback of one transaction: the ids it emitted, sent once."""

    def __init__(self, event_id: int):
        self.event_ids = [event_id]

    def __call__(self) -> None:
        events_committed.send_robust(sender=Event, event_ids=tuple(self.event_ids))


def _notify_on_commit(*event_ids: int) -> None:
    """Once per transaction, tell the listeners after commit.

    Looking for the pending callback (rather than keeping a flag) stays right when a savepoint
    holding the first registration is rolled back: a new one is registered.
    """
    connection = transaction.get_connection()
    for _sids, func, _robust in connection.run_on_commit:
        if isinstance(func, _Committed):
            func.event_ids.extend(event_ids)
            return
    callback = _Committed(event_ids[0])
    callback.event_ids.extend(event_ids[1:])
    transaction.on_commit(callback, robust=True)
