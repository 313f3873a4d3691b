"""Emit outbox events in the transaction of the change they describe."""

from __future__ import annotations

from django.db import transaction

from exchanges.models import Event


def emit(
    *, type: str, organization_id=None, beneficiary_id=None, subject_id="", data=None
) -> Event:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events must be emitted inside the transaction of the change")
    return Event.objects.create(
        type=type,
        organization_id=organization_id,
        beneficiary_id=beneficiary_id,
        subject_id=str(subject_id),
        data=data or {},
    )
