"""The call list of an activation: every active entry in priority order, as one snapshot.

On activation the list is written in one statement: the active entries of the commune, their
priority (``crisis.priority``), the order and the rank, packed in one binary value of a
``CallList`` row (``ENTRY`` bytes an entry). That is the whole list: ranked, counted by the
campaign view, listed by the API, and claimable by callers at once (bench/crisis: under a second
for 100,000 entries). A ``Call`` row is written only when an entry is first claimed, given an
outcome, booked for or removed (``crisis.call_entries``); its id is derived from the list's key
and the rank (``call_id``), so an entry has the same id before and after its row exists.
"""

from __future__ import annotations

import secrets
import struct
import uuid
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import BinaryField, F
from django.db.models.functions import Substr
from django.utils import timezone

from crisis.models import Activation, Call, CallList, Registration
from crisis.models.call_list import ENTRY
from crisis.priority import priority_expression
from crisis.vocab import RegistrationStatus

RANK_BITS = 62
RANK_MASK = (1 << RANK_BITS) - 1


class Entry(NamedTuple):
    rank: int
    registration_id: uuid.UUID
    priority: int


class ListInfo(NamedTuple):
    key: int
    snapshot_size: int
    size: int
    cursor: int


def call_list_rows(activation: Activation):
    """Active entries of the commune with their priority, in call order (one statement)."""
    return (
        Registration.objects.filter(
            organization_id=activation.organization_id, status=RegistrationStatus.ACTIVE
        )
        .annotate(priority=priority_expression())
        .order_by("-priority", "created_at", "id")
        .values_list("id", "priority")
    )


# --- Call ids ---------------------------------------------------------------------------------


def call_id(key: int, rank: int) -> uuid.UUID:
    """The id of the call at ``rank`` in the list ``key``: an RFC 9562 UUIDv8 (vendor layout):
    the key's 60 bits in custom_a and custom_b, the rank's 62 bits in custom_c."""
    value = ((key >> 12) << 80) | (0x8 << 76) | ((key & 0xFFF) << 64) | (0b10 << RANK_BITS) | rank
    return uuid.UUID(int=value)


def parse_call_id(value) -> tuple[int, int] | None:
    """(key, rank) of an id made by ``call_id``; None for any other UUID."""
    number = value.int
    if (number >> 76) & 0xF != 0x8 or (number >> RANK_BITS) & 0b11 != 0b10:
        return None
    return ((number >> 80) << 12) | ((number >> 64) & 0xFFF), number & RANK_MASK


# --- The snapshot -----------------------------------------------------------------------------


def pack(rows) -> bytes:
    return b"".join(registration_id.bytes + struct.pack(">H", p) for registration_id, p in rows)


def unpack(data: bytes, start: int) -> list[Entry]:
    return [
        Entry(
            start + index,
            uuid.UUID(bytes=data[offset : offset + 16]),
            struct.unpack(">H", data[offset + 16 : offset + ENTRY])[0],
        )
        for index, offset in enumerate(range(0, len(data) - ENTRY + 1, ENTRY))
    ]


def build_call_list(*, activation_id) -> int:
    """Write the call list of an open activation (safe to run twice). Returns the number of
    entries written (0 when the list exists already or the plan is closed)."""
    with transaction.atomic():
        activation = Activation.objects.select_for_update().filter(pk=activation_id).first()
        if activation is None or not activation.is_open:
            return 0
        if CallList.objects.filter(activation=activation).exists():
            return 0
        key = secrets.randbits(60)
        if Call.objects.filter(activation=activation).exists():
            size = _complete_written_list(activation, key)
        elif connection.vendor == "postgresql":
            size = _insert_select(activation, key)
        else:
            rows = list(call_list_rows(activation))
            CallList.objects.create(
                activation=activation,
                key=key,
                entries=pack(rows),
                snapshot_size=len(rows),
                size=len(rows),
                built_at=timezone.now(),
            )
            size = len(rows)
        activation.calls_built_at = timezone.now()
        activation.save(update_fields=["calls_built_at"])
    return size


def _complete_written_list(activation: Activation, key: int) -> int:
    """An activation whose list was being written call by call when this design came (its
    calls ranked 0 to n - 1): its remaining calls are written the same way, after them, and its
    list is an empty snapshot whose later entries are appended (``crisis.call_entries``)."""
    written = Call.objects.filter(activation=activation)
    start, now = written.count(), timezone.now()
    missing = call_list_rows(activation).exclude(pk__in=written.values("registration_id"))
    rows = [
        Call(
            activation=activation,
            registration_id=registration_id,
            priority=priority,
            rank=start + index,
            updated_at=now,
        )
        for index, (registration_id, priority) in enumerate(missing)
    ]
    Call.objects.bulk_create(rows, batch_size=2000)
    CallList.objects.create(
        activation=activation,
        key=key,
        entries=b"",
        snapshot_size=0,
        size=start + len(rows),
        built_at=now,
    )
    return len(rows)


def _insert_select(activation: Activation, key: int) -> int:
    """One INSERT … SELECT: priority, order and packing computed by the database."""
    rows = call_list_rows(activation).values("id", "created_at", "priority").order_by()
    sql, params = rows.query.sql_with_params()
    table = connection.ops.quote_name(CallList._meta.db_table)
    statement = f"""
        INSERT INTO {table} (activation_id, key, entries, snapshot_size, size, cursor, built_at)
        SELECT %s, %s,
               coalesce(string_agg(uuid_send(s.id) || int2send(s.priority::smallint), ''::bytea
                                   ORDER BY s.priority DESC, s.created_at, s.id), ''::bytea),
               count(*), count(*), 0, %s
        FROM ({sql}) s
        RETURNING size
    """  # noqa: S608 (table name from model metadata, the inner query compiled by the ORM)
    with connection.cursor() as cursor:
        cursor.execute(statement, [activation.pk, key, timezone.now(), *params])
        return cursor.fetchone()[0]


# --- Reading it -------------------------------------------------------------------------------


def info(activation_id) -> ListInfo | None:
    row = (
        CallList.objects.filter(activation_id=activation_id)
        .values_list("key", "snapshot_size", "size", "cursor")
        .first()
    )
    return ListInfo(*row) if row else None


def entries(activation_id, start: int, count: int) -> list[Entry]:
    """The snapshot's entries of ranks ``start`` to ``start + count - 1`` (read without the rest
    of the list: on PostgreSQL ``substring`` of an uncompressed out-of-line value)."""
    if count <= 0 or start < 0:
        return []
    row = (
        CallList.objects.filter(activation_id=activation_id)
        .annotate(part=Substr("entries", start * ENTRY + 1, count * ENTRY, output_field=BINARY))
        .values_list("part", flat=True)
        .first()
    )
    return unpack(bytes(row), start) if row else []


def head(activation_id) -> Entry | None:
    """The next entry to hand out (None when every entry of the snapshot is handed out)."""
    row = (
        CallList.objects.filter(activation_id=activation_id, cursor__lt=F("snapshot_size"))
        .annotate(part=Substr("entries", F("cursor") * ENTRY + 1, ENTRY, output_field=BINARY))
        .values_list("cursor", "part")
        .first()
    )
    return unpack(bytes(row[1]), row[0])[0] if row else None


def advance(activation_id) -> tuple[Entry, int] | None:
    """Hand out the next entry of the snapshot (an atomic increment of the cursor: two callers
    never get the same entry), with the list's key. Call it inside a transaction that writes the
    entry's call: the cursor row stays locked until then, and a rollback gives the entry back."""
    rows = CallList.objects.filter(activation_id=activation_id, cursor__lt=F("snapshot_size"))
    if not rows.update(cursor=F("cursor") + 1):
        return None
    position = F("cursor") - 1
    cursor, key, part = (
        CallList.objects.filter(activation_id=activation_id)
        .annotate(part=Substr("entries", position * ENTRY + 1, ENTRY, output_field=BINARY))
        .values_list("cursor", "key", "part")
        .get()
    )
    return unpack(bytes(part), cursor - 1)[0], key


def position_of(activation_id, registration_id) -> Entry | None:
    """The entry of a registration in the snapshot (reads the whole list: for removals)."""
    data = CallList.objects.filter(activation_id=activation_id).values_list("entries", flat=True)
    data = bytes(data.first() or b"")
    needle = uuid.UUID(str(registration_id)).bytes
    found = data.find(needle)
    while found != -1 and found % ENTRY:
        found = data.find(needle, found + 1)
    return None if found == -1 else unpack(data[found : found + ENTRY], found // ENTRY)[0]


BINARY = BinaryField()
