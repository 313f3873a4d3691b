"""The look-ups of intake: block sizes, the records of the blocks, the candidates' stored
features. For one record (``intake_candidates``): one statement. A set-wise chunk's look-ups
(``hub.registry.chunkreads``) share the helpers: ``joined``, ``bound_cursor``,
``locked_fetch``, ``large_blocks``, ``key_rows``, ``batches``."""

from __future__ import annotations

import hashlib
import uuid

import orjson
import psycopg
from django.db import connection

from hub.matching import coarse_keys
from hub.registry.models import BlockSize, PartnerRecord, RecordKey

IN_BATCH = 2000  # ids per IN (...) list: well below SQLite's variable limit


def batches(items: list, size: int = IN_BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def postgres() -> bool:
    return connection.vendor == "postgresql"


def large_blocks(keys: list[str], floor: int):
    """(key, records holding it) of the keys held by more than ``floor`` records, read from
    the block-size table (``BlockSize``, kept by triggers) rather than counted."""
    if postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT key, records FROM registry_blocksize WHERE key = ANY(%s) AND records > %s",
                [keys, floor],
            )
            return cursor.fetchall()
    out = []
    for batch in batches(keys):
        out.extend(
            BlockSize.objects.filter(key__in=batch, records__gt=floor).values_list("key", "records")
        )
    return out


def key_rows(keys: list[str]):
    """(key, record id) of every record holding one of ``keys``."""
    if postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT key, record_id FROM registry_recordkey WHERE key = ANY(%s)", [keys]
            )
            return cursor.fetchall()
    out = []
    with connection.cursor() as cursor:
        for batch in batches(keys):
            cursor.execute(
                "SELECT key, record_id FROM registry_recordkey WHERE key IN ({})".format(  # noqa: S608
                    ", ".join(["%s"] * len(batch))
                ),
                batch,
            )
            out.extend((key, uuid.UUID(record_id)) for key, record_id in cursor.fetchall())
    return out


# The single-record look-up: the probe's usable keys (block size within the key's cap, read
# from the block-size table), the records holding them (an index-only scan of (key,
# record_id)), and each record's stored features, in one statement. The payload comes only
# where the features are stale (or when ``whole``: a caller that masks it first).
_INTAKE_SQL = """
WITH usable AS MATERIALIZED (
    SELECT probe.key FROM unnest(%(keys)s::text[], %(caps)s::int[]) AS probe(key, cap)
    LEFT JOIN registry_blocksize size ON size.key = probe.key
    WHERE coalesce(size.records, 0) <= probe.cap
), fresh AS (
    SELECT r.*, coalesce(
        r.match_features @> jsonb_build_object('v', r.version, 'e', %(engine)s), false
    ) AS current
    FROM registry_partnerrecord r
    WHERE r.id = ANY(ARRAY(
        SELECT DISTINCT k.record_id FROM registry_recordkey k
        WHERE k.key IN (SELECT key FROM usable)
    ))
    LIMIT %(limit)s
)
SELECT (SELECT array_agg(key) FROM usable), r.id, r.beneficiary_id, b.merged_into_id,
    r.organization_id, r.version,
    CASE WHEN r.current THEN r.match_features -> 'f' END,
    CASE WHEN %(whole)s OR NOT r.current THEN r.payload END,
    r.nir_hash
FROM fresh r JOIN registry_beneficiary b ON b.id = r.beneficiary_id
"""


def _json(value):
    return orjson.loads(value) if isinstance(value, str) else value


def bound_cursor():
    """A cursor of Django's connection that binds its parameters on the server (Django's own
    quotes each into the statement's text): a chunk's 20,000 ids (``joined``) travel apart
    from the statement, neither quoted in Python nor parsed back with it by the server."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


# Transaction-scoped advisory locks, taken in sorted order so that lockers cannot deadlock.
LOCK_SQL = (
    "SELECT count(pg_advisory_xact_lock(k)) FROM "
    "(SELECT unnest(string_to_array(%s, ',')::bigint[]) AS k ORDER BY 1) AS ks"
)

# The unit separator: blocking keys are made of normalised names, dates and codes. Should one
# hold it, ``joined`` refuses the list and the chunk goes row by row (``exchanges.imports``).
SEPARATOR = "\x1f"


def joined(values: list, separator: str = ",") -> str:
    """A list of thousands of values as one text parameter, split by the server
    (``string_to_array``): psycopg adapts a list item by item in Python, a string at once."""
    text = separator.join(map(str, values))
    if values and text.count(separator) != len(values) - 1:
        raise ValueError("a value holds the separator")
    return text


def lock_ids(keys: list[str]) -> list[int]:
    """The advisory lock numbers of blocking keys, sorted. Refined keys are covered by their
    coarse key's lock (``matching.coarse_keys``): about 11 locks a row instead of 17, which
    keeps a chunk of 500 rows (5,500 locks) within the server's shared lock table (64 a
    connection by default, 6,400 in all) with room for a concurrent import."""
    return sorted(
        {
            int.from_bytes(hashlib.sha256(k.encode()).digest()[:8], "big", signed=True)
            for k in coarse_keys(keys)
        }
    )


def locked_fetch(sql: str, params: dict, lock: list[int] | None) -> list:
    """The rows of ``sql`` (PostgreSQL), after the advisory locks ``lock`` if any, in one round
    trip: a pipeline, so the query is a later statement and, under READ COMMITTED, sees what
    the previous holders of the locks committed."""
    with connection.wrap_database_errors, bound_cursor() as cursor:
        if lock:
            with bound_cursor() as locker, connection.connection.pipeline():
                locker.execute(LOCK_SQL, [joined(lock)])
                cursor.execute(sql, params)
        else:
            cursor.execute(sql, params)
        return cursor.fetchall()


def intake_candidates(
    keys: list[str],
    caps: list[int],
    *,
    limit: int,
    engine: int,
    whole: bool,
    lock: list[int] | None = None,
):
    """``(usable keys, rows)`` for a probe's blocking ``keys`` and their caps (``block_cap``).

    A row is ``(record id, beneficiary id, its merged_into, organization id, version,
    stored features or None, payload or None, nir_hash)``: the features when they were written
    for the record's version by engine ``engine`` (``stored.VERSION``), the payload otherwise
    or when ``whole``. At most ``limit`` records.

    ``lock``: advisory lock numbers (``lock_ids``) taken first, on PostgreSQL in the same
    round trip (a pipeline: the look-up is a later statement, so under READ COMMITTED it sees
    what the previous holders of the locks committed)."""
    if postgres():
        params = {"keys": keys, "caps": caps, "engine": engine, "whole": whole, "limit": limit}
        fetched = locked_fetch(_INTAKE_SQL, params, lock)
        if not fetched:
            return [], []
        rows = [(*row[1:6], _json(row[6]), _json(row[7]), row[8]) for row in fetched]
        return fetched[0][0], rows
    sizes = dict(BlockSize.objects.filter(key__in=keys).values_list("key", "records"))
    usable = [key for key, cap in zip(keys, caps, strict=True) if sizes.get(key, 0) <= cap]
    if not usable:
        return [], []
    records = PartnerRecord.objects.filter(
        pk__in=RecordKey.objects.filter(key__in=usable).values("record_id")
    ).values_list(
        "id",
        "beneficiary_id",
        "beneficiary__merged_into_id",
        "organization_id",
        "version",
        "match_features",
        "payload",
        "nir_hash",
    )[:limit]
    rows = []
    for *head, version, features, payload, nir_digest in records:
        current = (
            isinstance(features, dict)
            and features.get("v") == version
            and features.get("e") == engine
        )
        rows.append(
            (
                *head,
                version,
                features.get("f") if current else None,
                payload if whole or not current else None,
                nir_digest,
            )
        )
    return usable, rows


def record_identity(record_id) -> tuple[dict, str]:
    """(payload, nir_hash) of one record, for the rare stored features that do not load."""
    return PartnerRecord.objects.values_list("payload", "nir_hash").get(pk=record_id)


def lock_block_sizes(keys: list[str]) -> None:
    """Lock the block-size rows of ``keys`` (sorted) until the end of the transaction."""
    if postgres() and keys:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM registry_blocksize WHERE key = ANY(%s) "
                "ORDER BY key FOR UPDATE) AS locked",
                [sorted(keys)],
            )


def stale_identities(record_ids: list):
    """(id, payload, nir_hash, version) of records whose stored features cannot be used."""
    out = []
    for batch in batches(record_ids):
        out.extend(
            PartnerRecord.objects.filter(pk__in=batch).values_list(
                "id", "payload", "nir_hash", "version"
            )
        )
    return out
