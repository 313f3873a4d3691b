"""The look-ups of intake: block sizes, the records of the blocks, the candidates' stored
features. For one record (``intake_candidates``): one statement. For a set-wise chunk
(``hub.registry.pool``): ``chunk_keys`` and ``chunk_candidates``, one round trip each on
PostgreSQL (array parameters), batches of ids elsewhere."""

from __future__ import annotations

import hashlib
import uuid

import orjson
import psycopg
from django.db import connection

from hub.matching import coarse_key, coarse_keys
from hub.registry.models import BlockSize, PartnerRecord, RecordKey

IN_BATCH = 2000  # ids per IN (...) list: well below SQLite's variable limit


def batches(items: list, size: int = IN_BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def large_blocks(keys: list[str], floor: int):
    """(key, records holding it) of the keys held by more than ``floor`` records, read from
    the block-size table (``BlockSize``, kept by triggers) rather than counted."""
    if _postgres():
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
    if _postgres():
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


def _locked_fetch(sql: str, params: dict, lock: list[int] | None) -> list:
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
    if _postgres():
        params = {"keys": keys, "caps": caps, "engine": engine, "whole": whole, "limit": limit}
        fetched = _locked_fetch(_INTAKE_SQL, params, lock)
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
    if _postgres() and keys:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM registry_blocksize WHERE key = ANY(%s) "
                "ORDER BY key FOR UPDATE) AS locked",
                [sorted(keys)],
            )


# --- The chunk's look-ups (``hub.registry.pool``) ----------------------------------------------

# The block sizes of a chunk's keys and the records of the usable blocks, in one statement: the
# sizes are read once (a join on the block-size table's primary key, not a scan of it), the
# large blocks come back as (key, NULL, records), the usable ones as (key, record id, NULL).
# A refined key is probed only where its coarse key's block is over its cap, or may go over it
# with the chunk's own records (``extra``): inside a usable coarse block, it adds no candidate.
_CHUNK_KEYS_SQL = """
WITH coarse AS MATERIALIZED (
    SELECT probe.key, probe.cap, probe.extra, coalesce(size.records, 0) AS records
    FROM unnest(
        string_to_array(%(keys)s, chr(31)), string_to_array(%(caps)s, ',')::int[],
        string_to_array(%(extra)s, ',')::int[]
    ) AS probe(key, cap, extra)
    LEFT JOIN registry_blocksize size ON size.key = probe.key
), refined AS MATERIALIZED (
    SELECT probe.key, probe.cap, coalesce(size.records, 0) AS records
    FROM unnest(
        string_to_array(%(refined)s, chr(31)), string_to_array(%(refined_caps)s, ',')::int[],
        string_to_array(%(parents)s, chr(31))
    ) AS probe(key, cap, parent)
    JOIN coarse parent ON parent.key = probe.parent AND parent.records + parent.extra > parent.cap
    LEFT JOIN registry_blocksize size ON size.key = probe.key
), probe AS (
    SELECT key, cap, records FROM coarse UNION ALL SELECT key, cap, records FROM refined
)
SELECT key, NULL, records FROM probe WHERE records > %(floor)s
UNION ALL
SELECT k.key, k.record_id::text, NULL FROM probe p
JOIN registry_recordkey k ON k.key = p.key
WHERE p.records <= p.cap
"""


def _refined_apart(keys: list[str], caps: list[int]):
    """``(coarse, refined)``: (key, cap) of the keys probed at once, and (key, cap, coarse key)
    of the refined keys whose coarse key is in ``keys`` (``matching.coarse_key``)."""
    present = set(keys)
    coarse, refined = [], []
    for key, cap in zip(keys, caps, strict=True):
        parent = coarse_key(key)
        if parent in present:
            refined.append((key, cap, parent))
        else:
            coarse.append((key, cap))
    return coarse, refined


def chunk_keys(keys: list[str], caps: list[int], extra: dict, *, lock: list[int] | None = None):
    """``(large, rows)`` for a chunk's blocking ``keys`` and their caps (``block_cap``):
    ``large`` the (key, records) of every key held by more records than the smallest cap,
    ``rows`` the (key, record id as text) of every record holding a key whose block is within
    its cap (text: a pool of tens of thousands of ids hashes and compares them faster).

    ``extra``: how many of the chunk's own records hold each key. A refined key is looked up
    only where its coarse key's block, with them, is over the coarse key's cap (its records
    are the coarse block's otherwise); it is then absent from both lists.

    ``lock``: advisory lock numbers (``lock_ids``) taken first, on PostgreSQL in the same round
    trip (as ``intake_candidates``: the look-up is a later statement of the pipeline, so it
    sees what the previous holders of the locks committed)."""
    floor = min(caps)
    coarse, refined = _refined_apart(keys, caps)
    if not _postgres():
        sizes = dict(large_blocks([key for key, _cap in coarse], 0))
        cap_of = dict(coarse)
        over = [
            (key, cap)
            for key, cap, parent in refined
            if sizes.get(parent, 0) + extra.get(parent, 0) > cap_of[parent]
        ]
        if over:
            sizes.update(large_blocks([key for key, _cap in over], floor))
        large = [(key, records) for key, records in sizes.items() if records > floor]
        wanted = [key for key, cap in coarse + over if sizes.get(key, 0) <= cap]
        return large, [(key, str(pk)) for key, pk in key_rows(wanted)] if wanted else []
    params = {
        "keys": joined([key for key, _cap in coarse], SEPARATOR),
        "caps": joined([cap for _key, cap in coarse]),
        "extra": joined([extra.get(key, 0) for key, _cap in coarse]),
        "refined": joined([key for key, _cap, _parent in refined], SEPARATOR),
        "refined_caps": joined([cap for _key, cap, _parent in refined]),
        "parents": joined([parent for _key, _cap, parent in refined], SEPARATOR),
        "floor": floor,
    }
    fetched = _locked_fetch(_CHUNK_KEYS_SQL, params, lock)
    large, rows = [], []
    for key, record_id, records in fetched:
        if record_id is None:
            large.append((key, records))
        else:
            rows.append((key, record_id))
    return large, rows


# The candidates of a chunk: version, beneficiary and its merged_into (only merged beneficiaries
# are joined: an index range of ``merged_into_id IS NOT NULL``, not a hash of the whole table),
# and the stored features (their ``f`` list, as text) when they are current and wanted.
_CHUNK_CANDIDATES_SQL = """
SELECT r.id::text, r.version, r.beneficiary_id, m.merged_into_id,
    CASE WHEN %(features)s AND f.current THEN (r.match_features -> 'f')::text END, f.current
FROM registry_partnerrecord r
CROSS JOIN LATERAL (SELECT coalesce(
    r.match_features @> jsonb_build_object('v', r.version, 'e', %(engine)s), false
) AS current) f
LEFT JOIN (
    SELECT id, merged_into_id FROM registry_beneficiary WHERE merged_into_id IS NOT NULL
) m ON m.id = r.beneficiary_id
WHERE r.id = ANY(string_to_array(%(ids)s, ',')::uuid[])
"""


def chunk_candidates(wanted: list, known: list, *, engine: int):
    """``(id, version, beneficiary id, its merged_into, features, current)`` of each record of
    ``wanted`` and ``known`` (ids as text, ``chunk_keys``'s): ``features`` the stored ``f`` list when they were written for the
    record's version by engine ``engine`` (``current``), for the records of ``wanted`` only
    (``known``: records whose features the caller holds already). PostgreSQL: two statements
    in one round trip."""
    if not _postgres():
        return _chunk_candidates_sqlite(wanted, known, engine)
    with connection.wrap_database_errors, bound_cursor() as first, bound_cursor() as second:
        with connection.connection.pipeline():
            first.execute(
                _CHUNK_CANDIDATES_SQL,
                {"ids": joined(wanted), "features": True, "engine": engine},
            )
            if known:
                second.execute(
                    _CHUNK_CANDIDATES_SQL,
                    {"ids": joined(known), "features": False, "engine": engine},
                )
        fetched = first.fetchall()
        if known:
            fetched += second.fetchall()
    return [
        (pk, version, beneficiary, parent, orjson.loads(text) if text else None, current)
        for pk, version, beneficiary, parent, text, current in fetched
    ]


# SQLite (JSON1): the same columns; ids are stored as 32 hex digits.
_SQLITE_CURRENT = (
    "coalesce(json_extract(r.match_features, '$.v') = r.version "
    "AND json_extract(r.match_features, '$.e') = %s, 0)"
)
_SQLITE_CANDIDATES_SQL = f"""
SELECT r.id, r.version, r.beneficiary_id, b.merged_into_id,
    CASE WHEN %s AND {_SQLITE_CURRENT} THEN json_extract(r.match_features, '$.f') END,
    {_SQLITE_CURRENT}
FROM registry_partnerrecord r
JOIN registry_beneficiary b ON b.id = r.beneficiary_id
WHERE r.id IN ({{}})
"""  # noqa: S608 (no value is formatted in)


def _chunk_candidates_sqlite(wanted: list, known: list, engine: int) -> list:
    out = []
    with connection.cursor() as cursor:
        for ids, features in ((wanted, 1), (known, 0)):
            for batch in batches(ids):
                cursor.execute(
                    _SQLITE_CANDIDATES_SQL.format(", ".join(["%s"] * len(batch))),
                    [features, engine, engine, *(pk.replace("-", "") for pk in batch)],
                )
                for pk, version, beneficiary, parent, text, current in cursor.fetchall():
                    out.append(
                        (
                            str(uuid.UUID(pk)),
                            version,
                            uuid.UUID(beneficiary),
                            uuid.UUID(parent) if parent else None,
                            orjson.loads(text) if text else None,
                            bool(current),
                        )
                    )
    return out


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
