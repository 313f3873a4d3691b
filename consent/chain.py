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


def lock_chain(name: str) -> None:
    """Serialise appends to chain ``name`` until the transaction ends (PostgreSQL advisory lock).

    On SQLite, transactions start IMMEDIATE (see settings), which already serialises writers.
    """
    if settings.USES_POSTGRES:
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
