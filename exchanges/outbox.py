"""Emit outbox events in the transaction of the change they describe.

An event is thin: a type, ids and a time, never personal data. Who may read it is decided at
read time (``exchanges.feed.visible_events``): the emitting organization, the ``recipient``
organization, and, for ``shared`` events, every organization that may see the person.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.expressions import RawSQL

from exchanges.models import Event

# The 64-bit transaction id (epoch-extended, never wraps) of the writing transaction.
CURRENT_XID_SQL = "pg_current_xact_id()::text::bigint"


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
    _kick_relay_on_commit()
    return event


def _kick_relay_on_commit() -> None:
    """Once per transaction, wake the webhook relay after commit.

    Checking the pending callbacks (rather than a flag) stays right when a savepoint holding
    the first registration is rolled back. If the broker is down the kick fails quietly: the
    relay also runs from Celery beat, reading the outbox, so no event is lost.
    """
    connection = transaction.get_connection()
    if any(func is _kick_relay for _sids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_kick_relay, robust=True)


KICK_KEY = "passerelle:relay:kick"


def _kick_relay() -> None:
    """Queue one relay run unless one is already queued and not started (shared cache): under
    load many commits share a run instead of each queuing its own."""
    from exchanges.tasks import relay_outbox

    if cache.add(KICK_KEY, 1, timeout=5):
        relay_outbox.delay(sweep=False)
