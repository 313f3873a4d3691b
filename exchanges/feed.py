"""The change feed: committed outbox events, oldest first, filtered by the policy.

Ordering and the late-commit problem
------------------------------------
Event ids come from a sequence at INSERT time, but transactions commit in another order: a
reader paging by id alone could pass over id 10 while the transaction that wrote it is still
open, then never see it. On PostgreSQL every event stores the 64-bit id of the transaction that
wrote it (``xid``), and readers only take events whose ``xid`` is below the ``xmin`` of their
snapshot: every transaction older than ``xmin`` has ended, so the set of events below it is
final. The feed is ordered by ``(xid, id)`` and a cursor is a ``(xid, id)`` position: any event
appearing later has ``xid >= xmin`` of the earlier read, hence sorts after every position
already served. No relay process and no locking on the write path are needed; the price is
that an event becomes readable only once every transaction older than it has finished (a
transaction left open delays the feed, it never loses events). On SQLite writers are
serialised, ``xid`` is 0 and the order is the id order.

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
from exchanges.models import Event, OutboxMark
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


def snapshot_xmin() -> int | None:
    """The oldest transaction still running for our snapshot (None on SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        return cursor.fetchone()[0]


def after(position: Position):
    """Committed events strictly after ``position``, in feed order (xid, id)."""
    queryset = Event.objects.filter(
        Q(xid__gt=position.xid) | Q(xid=position.xid, id__gt=position.event_id)
    )
    xmin = snapshot_xmin()
    if xmin is not None:
        queryset = queryset.filter(xid__lt=xmin)
    return queryset.order_by("xid", "id")


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
        visible = set(
            policy.visible_beneficiaries(actor).filter(pk__in=wanted).values_list("pk", flat=True)
        )
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


def read_page(*, actor: Actor, cursor: str | None, limit: int = 100) -> Page:
    """One page of the actor's feed after ``cursor``. Raises ValueError for a malformed cursor
    and CursorExpired for one older than the retention horizon."""
    start = Position.decode(cursor) if cursor else Position()
    pruned = horizon()
    if cursor and start < pruned:
        raise CursorExpired(pruned)
    start = max(start, pruned)
    scan = max(limit * 4, 200)
    out: list[Event] = []
    position = start
    has_more = False
    # Scan in bounded chunks; events the actor may not see are skipped, the cursor moves on.
    for _round in range(10):
        chunk = list(
            after(position)
            .filter(audience_q(actor))
            .only(
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
            )[:scan]
        )
        if not chunk:
            has_more = False
            break
        for event in visible_events(actor, chunk):
            if len(out) == limit:
                break
            out.append(event)
        if len(out) == limit:
            position = Position.of(out[-1])
            has_more = True
            break
        position = Position.of(chunk[-1])
        has_more = len(chunk) == scan
        if not has_more:
            break
    return Page(events=out, position=position, has_more=has_more)


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
