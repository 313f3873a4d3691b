"""The access log: one row per access to personal data, in the caller's transaction.

The row is appended with no lock: the sequencer (``consent.seal``) chains it shortly after the
commit. Audited requests therefore never wait for each other on the log.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from consent.models import AccessLog
from consent.seal import CHAIN, hashed_fields, seal_after_commit
from hub.registry.actors import Actor

__all__ = ["CHAIN", "hashed_fields", "log_access", "log_accesses"]


def _row(
    *,
    actor: Actor,
    action: str,
    resource: str,
    decision: str,
    beneficiary_id=None,
    categories=(),
    purpose: str = "",
    basis: str = "",
    grant_id=None,
    request_id: str = "",
    at=None,
) -> AccessLog:
    return AccessLog(
        at=at or timezone.now(),
        organization_id=actor.organization_id,
        client_id=actor.client_id,
        user_id=actor.user_id,
        beneficiary_id=beneficiary_id,
        action=action,
        resource=resource,
        categories=sorted(categories),
        purpose=purpose,
        basis=basis,
        grant_id=grant_id,
        decision=decision,
        request_id=request_id,
    )


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("log_access must run inside the transaction of the access it records")


def log_access(**entry) -> AccessLog:
    """Append one access row (sealed later). Must run inside the transaction of the access.

    Keywords: actor, action, resource, decision, and optionally beneficiary_id, categories,
    purpose, basis, grant_id, request_id."""
    _require_transaction()
    row = _row(**entry)
    _insert(row)
    seal_after_commit()
    return row


def log_accesses(entries) -> int:
    """Append several access rows (one per displayed person, say) in multi-row INSERTs: a page
    of 100 persons costs one statement instead of 100. Same rows as ``log_access`` one by one,
    in the order given. Returns the number of rows appended."""
    now = timezone.now()
    rows = [_row(at=now, **entry) for entry in entries]
    if not rows:
        return 0
    _require_transaction()
    connection = transaction.get_connection()
    fields, _columns, _table = _statement_parts(connection)
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        values = [
            field.get_db_prep_save(getattr(row, field.attname), connection)
            for row in batch
            for field in fields
        ]
        row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = f"INSERT INTO {_table} ({_columns}) VALUES " + ", ".join(  # noqa: S608
            [row_sql] * len(batch)
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
    seal_after_commit()
    return len(rows)


# Rows per multi-row INSERT: 13 parameters each stays far under SQLite's and psycopg's limits.
_BATCH = 500
_INSERT: dict[str, tuple[str, list, bool]] = {}


def _statement_parts(connection) -> tuple[list, str, str]:
    fields = [field for field in AccessLog._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(AccessLog._meta.db_table)
    return fields, columns, table


def _insert(row: AccessLog) -> None:
    """INSERT the row with a statement built once per connection vendor (the ORM's per-call
    compilation is the costliest part of an audited read, after the database itself)."""
    connection = transaction.get_connection()
    if connection.vendor not in _INSERT:
        fields, columns, table = _statement_parts(connection)
        placeholders = ", ".join(["%s"] * len(fields))
        returning = connection.features.can_return_columns_from_insert
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        _INSERT[connection.vendor] = (
            sql + (' RETURNING "id"' if returning else ""),
            fields,
            returning,
        )
    sql, fields, returning = _INSERT[connection.vendor]
    values = [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row.id = cursor.fetchone()[0] if returning else cursor.lastrowid
    row._state.adding = False
    row._state.db = connection.alias
