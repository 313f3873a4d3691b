"""Hash chains for append-only tables: canonical row digest and serialised appends."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import connection

GENESIS = "0" * 64


def digest(prev_hash: str, fields: dict) -> str:
    canonical = json.dumps(
        fields, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False
    )
    return hashlib.sha256((prev_hash + "\n" + canonical).encode("utf-8")).hexdigest()


def lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def lock_chain(name: str) -> None:
    """Serialise appends to chain ``name`` until the transaction ends (PostgreSQL advisory lock).

    On SQLite, transactions start IMMEDIATE (see settings), which already serialises writers.
    """
    if settings.USES_POSTGRES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])


def lock_and_read_head(name: str, table: str) -> tuple[int, str] | None:
    """Take the chain's lock, then read its last (id, hash), in one round trip on PostgreSQL.

    The two statements go in one simple-protocol message; in READ COMMITTED each statement
    takes its own snapshot, so the SELECT sees every append committed before the lock was ours.
    """
    with connection.cursor() as cursor:
        head_sql = f"SELECT id, hash FROM {table} ORDER BY id DESC LIMIT 1"  # noqa: S608
        if settings.USES_POSTGRES:
            cursor.execute(f"SELECT pg_advisory_xact_lock({lock_key(name)}); {head_sql}")
            cursor.nextset()
        else:
            cursor.execute(head_sql)
        return cursor.fetchone()
