"""The change feed: committed outbox events, oldest first, filtered by the policy.

Ordering and the late-commit problem
------------------------------------
Event ids come from a sequence at INSERT time, but transactions commit in another order: a
reader paging by id alone could pass over id 10 while the transaction that wrote it is still
open, then never see it. On PostgreSQL every event stores the 64-bit id of the transaction that
wrote it (``xid``, from ``pg_current_xact_id()``), and readers only take events whose ``xid`` is
below a watermark: the oldest transaction of this database still running (``snapshot_xmin``).
Every transaction below the watermark has ended, so the set of events below it is final. The
feed is ordered by ``(xid, id)`` and a cursor is a ``(xid, id)`` position: any event appearing
later has an ``xid`` at or above the watermark of the earlier read, hence sorts after every
position already served. No relay process and no lock on the write path are needed; the price
is that an event becomes readable only once every older transaction of the database has ended
(a transaction left open delays the feed, it never loses events: set PostgreSQL's
``idle_in_transaction_session_timeout``). On SQLite writers are serialised, ``xid`` is 0 and
the order is the id order.

Retention
---------
Events are kept ``settings.EVENTS_RETENTION_DAYS`` days (``prune_events``). The pruned position
is recorded in ``OutboxMark("horizon")``; a cursor before it answers 410 with a resync hint.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from consent import policy
from exchanges.models import OutboxMark
from hub.outbox.models import Event
from hub.registry.actors import Actor

HORIZON = "horizon"
RELAY = "relay"


@dataclass(frozen=True, order=True)
class Position:
    xid: int = 0
    event_id: int = 0

    def encode(self) -> str:
        raw = f"{self.xid}.{self.event_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Position:
        """Raise ValueError on anything that is not a cursor we issued."""
        try:
            padded = token + "=" * (-len(token) % 4)
            xid, _, event_id = base64.urlsafe_b64decode(padded.encode()).decode().partition(".")
            position = cls(int(xid), int(event_id))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise ValueError("not a cursor issued by this feed") from None
        if position.xid < 0 or position.event_id < 0:
            raise ValueError("not a cursor issued by this feed")
        return position

    @classmethod
    def of(cls, event: Event) -> Position:
        return cls(event.xid, event.id)


class CursorExpired(Exception):
    def __init__(self, horizon: Position):
        self.horizon = horizon
        super().__init__("cursor before the retention horizon")


_WATERMARK_SQL = """
SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
       array(SELECT backend_xid::text::bigint FROM pg_stat_activity
             WHERE datname = current_database() AND backend_xid IS NOT NULL)
"""


def snapshot_xmin() -> int | None:
    """The oldest transaction of this database still running (None on SQLite).

    ``pg_snapshot_xmin(pg_current_snapshot())`` would do, but it covers every database of the
    server: a transaction left open in another database would hold the feed back. We take the
    oldest ``backend_xid`` among this database's sessions instead, widened to 64 bits with the
    epoch of the current ``xmax`` (a running xid is always within 2^31 of it), or ``xmax`` when
    nothing is running. Every transaction below it has ended; every later one gets an xid at
    least ``xmax``.
    """
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(_WATERMARK_SQL)
        xmax, running = cursor.fetchone()
    oldest = xmax
    epoch = xmax >> 32
    for xid32 in running:
        full = (epoch << 32) | xid32
        if full > xmax:
            full -= 1 << 32
        oldest = min(oldest, full)
    return oldest


def after(position: Position):
    """Committed events strictly after ``position``, in feed order (xid, id)."""
    # (xid, id) > position, written so that the (xid, id) index gives a range scan.
    queryset = Event.objects.filter(xid__gte=position.xid).exclude(
        xid=position.xid, id__lte=position.event_id
    )
    watermark = snapshot_xmin()
    if watermark is not None:
        queryset = queryset.filter(xid__lt=watermark)
    return queryset.order_by("xid", "id")


def waiting(position: Position) -> bool:
    """Are there events after ``position`` held back by an older transaction still running?"""
    watermark = snapshot_xmin()
    if watermark is None:
        return False
    return (
        Event.objects.filter(
            Q(xid__gt=position.xid) | Q(xid=position.xid, id__gt=position.event_id)
        )
        .filter(xid__gte=watermark)
        .exists()
    )


def audience_q(actor: Actor) -> Q:
    """Events that concern the actor's organizations (before the per-person policy check)."""
    if actor.is_superuser:
        return Q()
    orgs = list(actor.organization_ids)
    return Q(organization_id__in=orgs) | Q(recipient_id__in=orgs) | Q(shared=True)


def visible_events(actor: Actor, events: list[Event]) -> list[Event]:
    """Keep the events the actor may see now: one bulk policy query for all their persons.

    An event about a person the actor cannot see is dropped, whoever emitted it.
    """
    wanted = {event.beneficiary_id for event in events if event.beneficiary_id}
    visible = set()
    if wanted:
        decisions = policy.decide_many(actor, wanted)
        visible = {pk for pk, decision in decisions.items() if decision.allowed}
    orgs = set(actor.organization_ids)
    out = []
    for event in events:
        concerns = (
            actor.is_superuser
            or event.shared
            or event.organization_id in orgs
            or event.recipient_id in orgs
        )
        if concerns and (event.beneficiary_id is None or event.beneficiary_id in visible):
            out.append(event)
    return out


def horizon() -> Position:
    mark = OutboxMark.objects.filter(name=HORIZON).first()
    return Position(mark.xid, mark.event_id) if mark else Position()


@dataclass
class Page:
    events: list
    position: Position
    has_more: bool


FIELDS = (
    "id",
    "xid",
    "type",
    "organization_id",
    "recipient_id",
    "shared",
    "beneficiary_id",
    "subject_id",
    "data",
    "occurred_at",
)


def feed_queryset(actor: Actor, position: Position):
    """The actor's events after ``position``, in feed order, as light rows.

    The person check runs in the database through the policy's selector
    (``visible_beneficiaries``, the bulk form of ``decide``): one query per page, whatever the
    number of persons on it.
    """
    queryset = after(position).filter(audience_q(actor))
    if not actor.is_superuser:
        queryset = queryset.filter(
            Q(beneficiary_id__isnull=True)
            | Q(beneficiary_id__in=policy.visible_beneficiaries(actor).values("pk"))
        )
    return queryset.values_list(*FIELDS, named=True)


def read_page(*, actor: Actor, cursor: str | None, limit: int = 100) -> Page:
    """One page of the actor's feed after ``cursor``. Raises ValueError for a malformed cursor
    and CursorExpired for one older than the retention horizon. Events the actor may not see
    are never returned."""
    start = Position.decode(cursor) if cursor else Position()
    pruned = horizon()
    if cursor and start < pruned:
        raise CursorExpired(pruned)
    start = max(start, pruned)
    rows = list(feed_queryset(actor, start)[:limit])
    position = Position.of(rows[-1]) if rows else start
    return Page(events=rows, position=position, has_more=len(rows) == limit)


def serialize(event: Event) -> dict:
    return {
        "id": str(event.id),
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        "organization": str(event.organization_id) if event.organization_id else None,
        "recipient": str(event.recipient_id) if event.recipient_id else None,
        "beneficiary": str(event.beneficiary_id) if event.beneficiary_id else None,
        "subject": event.subject_id or None,
        "data": event.data,
    }


def prune_events(*, now=None, batch: int = 10_000) -> int:
    """Delete events older than the retention window; record the horizon. Safe to run twice."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.EVENTS_RETENTION_DAYS)
    total = 0
    while True:
        with transaction.atomic():
            doomed = list(
                Event.objects.filter(occurred_at__lt=cutoff)
                .order_by("xid", "id")
                .values_list("xid", "id")[:batch]
            )
            if not doomed:
                return total
            last = Position(*doomed[-1])
            mark, _ = OutboxMark.objects.select_for_update().get_or_create(name=HORIZON)
            if Position(mark.xid, mark.event_id) < last:
                mark.xid, mark.event_id = last.xid, last.event_id
                mark.save()
            # Everything up to the horizon goes, so that no reader starting there misses an event.
            deleted, _ = Event.objects.filter(
                Q(xid__lt=last.xid) | Q(xid=last.xid, id__lte=last.event_id)
            ).delete()
            total += len(doomed)
