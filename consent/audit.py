"""The access log: one row per access to personal data, in the caller's transaction.

The row is appended with no lock: the sequencer (``consent.seal``) chains it shortly after the
commit. Audited requests therefore never wait for each other on the log.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from consent.models import AccessLog
from consent.seal import CHAIN, hashed_fields, seal_after_commit
from hub import bulkwrite
from hub.registry.actors import Actor

__all__ = ["CHAIN", "hashed_fields", "log_access", "log_many"]


def log_access(
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
) -> AccessLog:
    """Append one access row (sealed later). Must run inside the transaction of the access."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("log_access must run inside the transaction of the access it records")
    row = AccessLog(
        at=timezone.now(),
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
    _insert(row)
    seal_after_commit()
    return row


def log_many(*, actor: Actor, entries: list[dict]) -> None:
    """``log_access`` of each entry (its keyword arguments but ``actor``), in order, appended
    in one multi-row INSERT per thousand rows (sealed later, like every row)."""
    if not entries:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("log_many must run inside the transaction of the accesses it records")
    at = timezone.now()
    bulkwrite.insert(
        AccessLog,
        [
            AccessLog(
                at=at,
                organization_id=actor.organization_id,
                client_id=actor.client_id,
                user_id=actor.user_id,
                beneficiary_id=entry.get("beneficiary_id"),
                action=entry["action"],
                resource=entry["resource"],
                categories=sorted(entry.get("categories", ())),
                purpose=entry.get("purpose", ""),
                basis=entry.get("basis", ""),
                grant_id=entry.get("grant_id"),
                decision=entry["decision"],
                request_id=entry.get("request_id", ""),
            )
            for entry in entries
        ],
    )
    seal_after_commit()


_INSERT: dict[str, tuple[str, list, bool]] = {}


def _insert(row: AccessLog) -> None:
    """INSERT the row with a statement built once per connection vendor (the ORM's per-call
    compilation is the costliest part of an audited read, after the database itself)."""
    connection = transaction.get_connection()
    if connection.vendor not in _INSERT:
        fields = [field for field in AccessLog._meta.concrete_fields if not field.primary_key]
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        table = connection.ops.quote_name(AccessLog._meta.db_table)
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
