"""The grant ledger: one hash-chained, append-only row per grant event."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from consent.chain import GENESIS, digest, lock_and_read_head
from consent.models import Grant, GrantEvent
from hub.registry.actors import Actor

CHAIN = "grant_ledger"


def grant_snapshot(grant: Grant) -> dict:
    """The grant as recorded, in JSON-native types (what the ledger row hashes)."""

    def iso(value):
        return value.isoformat() if value else None

    return {
        "beneficiary": str(grant.beneficiary_id),
        "basis": grant.basis,
        "legal_reference": grant.legal_reference,
        "grantee_type": grant.grantee_type,
        "grantee_organization": str(grant.grantee_organization_id or ""),
        "grantee_group": str(grant.grantee_group_id or ""),
        "grantee_kind": grant.grantee_kind,
        "granted_by": str(grant.granted_by_id),
        "purposes": sorted(grant.purposes),
        "categories": sorted(grant.categories),
        "valid_from": iso(grant.valid_from),
        "valid_until": iso(grant.valid_until),
        "evidence_method": grant.evidence_method,
        "collected_by_name": grant.collected_by_name,
        "collected_by_user": grant.collected_by_user_id,
        "evidence_document": grant.evidence_document.name if grant.evidence_document else "",
        "family_information": grant.family_information,
        "family_information_note": grant.family_information_note,
        "review_due_at": iso(grant.review_due_at),
    }


def hashed_fields(row: GrantEvent) -> dict:
    return {
        "id": row.id,
        "at": row.at.isoformat(),
        "grant": str(row.grant_id),
        "beneficiary": str(row.beneficiary_id),
        "kind": row.kind,
        "organization": str(row.organization_id or ""),
        "client": row.client_id,
        "user": row.user_id,
        "data": row.data,
        "request_id": row.request_id,
    }


def append_grant_event(
    *, grant: Grant, kind: str, actor: Actor, data: dict, request_id: str = ""
) -> GrantEvent:
    """Append one event to the ledger. Must run inside the transaction that changes the grant."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("append_grant_event must run inside the grant's transaction")
    last = lock_and_read_head(CHAIN, GrantEvent._meta.db_table)
    prev_hash = last[1] if last else GENESIS
    row = GrantEvent(
        id=(last[0] + 1) if last else 1,
        at=timezone.now(),
        grant_id=grant.pk,
        beneficiary_id=grant.beneficiary_id,
        kind=kind,
        organization_id=actor.organization_id,
        client_id=actor.client_id,
        user_id=actor.user_id,
        data=data,
        request_id=request_id,
        prev_hash=prev_hash,
    )
    row.hash = digest(prev_hash, hashed_fields(row))
    row.save(force_insert=True)
    return row
