"""Hash chains for append-only tables: canonical row digest, chain locks, signed checkpoints."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.crypto import salted_hmac

from consent.models import ChainCheckpoint

GENESIS = "0" * 64
KEY_SALT = "passerelle.consent.chain-checkpoint"


def digest(prev_hash: str, fields: dict) -> str:
    canonical = json.dumps(
        fields, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False
    )
    return hashlib.sha256((prev_hash + "\n" + canonical).encode("utf-8")).hexdigest()


def lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def lock_chain(name: str, *, wait: bool = True) -> bool:
    """Serialise writers of chain ``name`` until the transaction ends (PostgreSQL advisory lock).

    For the grant ledger the writers are its appends; for the access log, only the sequencer,
    checkpoints and the retention purge (requests append without it). ``wait=False`` answers
    False at once when another transaction holds the lock. On SQLite, transactions start
    IMMEDIATE (see settings), which already serialises writers.
    """
    if not settings.USES_POSTGRES:
        return True
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [lock_key(name)])
        return wait or bool(cursor.fetchone()[0])


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


def sign(message: str) -> str:
    return salted_hmac(KEY_SALT, message, algorithm="sha256").hexdigest()


def checkpoint_message(chain: str, last_id: int, head_hash: str, row_count: int, at) -> str:
    return f"{chain}|{last_id}|{head_hash}|{row_count}|{at.isoformat()}"


def write_checkpoint(chain: str, *, last_id: int, head_hash: str, row_count: int):
    """Sign a head (position, hash) of a chain; call it under the chain's lock."""
    at = timezone.now()
    checkpoint = ChainCheckpoint(
        chain=chain, at=at, last_id=last_id, head_hash=head_hash, row_count=row_count
    )
    checkpoint.signature = sign(checkpoint_message(chain, last_id, head_hash, row_count, at))
    checkpoint.save(force_insert=True)
    return checkpoint
