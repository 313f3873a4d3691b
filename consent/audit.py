"""The access log: one chained row per access to personal data, in the caller's transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from consent.chain import GENESIS, digest, lock_and_read_head
from consent.models import AccessLog
from hub.registry.actors import Actor

CHAIN = "access_log"


def hashed_fields(row: AccessLog) -> dict:
    return {
        "id": row.id,
        "at": row.at.isoformat(),
        "organization": str(row.organization_id or ""),
        "client": row.client_id,
        "user": row.user_id,
        "beneficiary": str(row.beneficiary_id or ""),
        "action": row.action,
        "resource": row.resource,
        "categories": list(row.categories),
        "purpose": row.purpose,
        "basis": row.basis,
        "grant": str(row.grant_id or ""),
        "decision": row.decision,
        "request_id": row.request_id,
    }


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
    """Append one access row to the chain. Must run inside the transaction of the access."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("log_access must run inside the transaction of the access it records")
    last = lock_and_read_head(CHAIN, AccessLog._meta.db_table)
    prev_hash = last[1] if last else GENESIS
    row = AccessLog(
        id=(last[0] + 1) if last else 1,
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
        prev_hash=prev_hash,
    )
    row.hash = digest(prev_hash, hashed_fields(row))
    _insert(row)
    return row


_INSERT: tuple[str, list] | None = None


def _insert(row: AccessLog) -> None:
    """INSERT the row with a statement built once (the ORM's per-call compilation is the
    costliest part of an audited read, after the database itself)."""
    global _INSERT
    connection = transaction.get_connection()
    if _INSERT is None:
        fields = AccessLog._meta.concrete_fields
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        table = connection.ops.quote_name(AccessLog._meta.db_table)
        _INSERT = (f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", fields)  # noqa: S608
    sql, fields = _INSERT
    values = [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
    row._state.adding = False
    row._state.db = connection.alias
