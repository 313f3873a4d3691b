"""The look-ups of a set-wise chunk (``hub.registry.pool``): its keys' block sizes and the
records of the usable blocks (``chunk_keys``), then the candidates' versions, beneficiaries
and stored features (``chunk_candidates``). On PostgreSQL one round trip each, whatever the
chunk's size (thousands of values travel as one text parameter: ``lookups.joined``); batches
of ids on SQLite.
"""

from __future__ import annotations

import uuid

import orjson
from django.db import connection

from hub.matching import coarse_key
from hub.registry.lookups import (
    SEPARATOR,
    batches,
    bound_cursor,
    joined,
    key_rows,
    large_blocks,
    locked_fetch,
    postgres,
)

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

    ``lock``: advisory lock numbers (``lookups.lock_ids``) taken first, on PostgreSQL in the
    same round trip (``lookups.locked_fetch``: the look-up is a later statement of the
    pipeline, so it sees what the previous holders of the locks committed)."""
    floor = min(caps)
    coarse, refined = _refined_apart(keys, caps)
    if not postgres():
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
    fetched = locked_fetch(_CHUNK_KEYS_SQL, params, lock)
    large, rows = [], []
    for key, record_id, records in fetched:
        if record_id is None:
            large.append((key, records))
        else:
            rows.append((key, record_id))
    return large, rows


# The candidates of a chunk: version, beneficiary and its merged_into (only merged beneficiaries
# are joined: an index range of ``merged_into_id IS NOT NULL``, not a hash of the whole table),
# and the stored features (their ``f`` list, as text) and whether they are current.
_MERGED = """
LEFT JOIN (
    SELECT id, merged_into_id FROM registry_beneficiary WHERE merged_into_id IS NOT NULL
) m ON m.id = r.beneficiary_id
WHERE r.id = ANY(string_to_array(%(ids)s, ',')::uuid[])
"""
_CANDIDATES_SQL = f"""
SELECT r.id::text, r.version, r.beneficiary_id, m.merged_into_id,
    CASE WHEN f.current THEN (r.match_features -> 'f')::text END, f.current
FROM registry_partnerrecord r
CROSS JOIN LATERAL (SELECT coalesce(
    r.match_features @> jsonb_build_object('v', r.version, 'e', %(engine)s), false
) AS current) f
{_MERGED}"""  # noqa: S608 (no value is formatted in)
# The records whose features the pool holds: their version tells whether they still hold.
_VERSIONS_SQL = f"""
SELECT r.id::text, r.version, r.beneficiary_id, m.merged_into_id, NULL, NULL
FROM registry_partnerrecord r
{_MERGED}"""  # noqa: S608


def chunk_candidates(wanted: list, known: list, *, engine: int):
    """``(id, version, beneficiary id, its merged_into, features, current)`` of each record of
    ``wanted`` and ``known`` (ids as text, ``chunk_keys``'s). For ``wanted``: ``features`` the
    stored ``f`` list when they were written for the record's version by engine ``engine``
    (``current``), else None. For ``known``, records whose features the caller holds at some
    version: ``features`` and ``current`` None (their stored features are not even looked at).
    PostgreSQL: two statements in one round trip."""
    if not postgres():
        return _chunk_candidates_sqlite(wanted, known, engine)
    with connection.wrap_database_errors, bound_cursor() as first, bound_cursor() as second:
        with connection.connection.pipeline():
            first.execute(_CANDIDATES_SQL, {"ids": joined(wanted), "engine": engine})
            if known:
                second.execute(_VERSIONS_SQL, {"ids": joined(known)})
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
_SQLITE_FROM = """
FROM registry_partnerrecord r
JOIN registry_beneficiary b ON b.id = r.beneficiary_id
WHERE r.id IN ({})
"""
_SQLITE_CANDIDATES_SQL = f"""
SELECT r.id, r.version, r.beneficiary_id, b.merged_into_id,
    CASE WHEN {_SQLITE_CURRENT} THEN json_extract(r.match_features, '$.f') END, {_SQLITE_CURRENT}
{_SQLITE_FROM}"""  # noqa: S608 (no value is formatted in)
_SQLITE_VERSIONS_SQL = f"""
SELECT r.id, r.version, r.beneficiary_id, b.merged_into_id, NULL, NULL
{_SQLITE_FROM}"""  # noqa: S608


def _chunk_candidates_sqlite(wanted: list, known: list, engine: int) -> list:
    out = []
    with connection.cursor() as cursor:
        for ids, sql, head in (
            (wanted, _SQLITE_CANDIDATES_SQL, [engine, engine]),
            (known, _SQLITE_VERSIONS_SQL, []),
        ):
            for batch in batches(ids):
                cursor.execute(
                    sql.format(", ".join(["%s"] * len(batch))),
                    [*head, *(pk.replace("-", "") for pk in batch)],
                )
                for pk, version, beneficiary, parent, text, current in cursor.fetchall():
                    out.append(
                        (
                            str(uuid.UUID(pk)),
                            version,
                            uuid.UUID(beneficiary),
                            uuid.UUID(parent) if parent else None,
                            orjson.loads(text) if text else None,
                            None if current is None else bool(current),
                        )
                    )
    return out
