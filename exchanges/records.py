"""A partner submits its record of a person: registry write, audit row and events, one transaction."""

from __future__ import annotations

from django.db import transaction

from consent import gate
from consent.audit import log_access
from consent.policy import Category
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from hub.registry.intake import MatchOutcome
from hub.registry.models import Organization
from hub.registry.services import UpsertResult, record_upsert


def outcome_for_caller(actor: Actor, result: UpsertResult) -> dict:
    """The match outcome as the caller may learn it: a link to a person it could not see, or
    review candidates it cannot see, read as a plain creation (nothing disclosed)."""
    hidden = {"outcome": MatchOutcome.CREATED, "grade": None, "score": None}
    if result.outcome == MatchOutcome.LINKED and not result.known_before:
        return hidden
    if result.outcome == MatchOutcome.REVIEW:
        ids = [c.beneficiary_id for c in result.review_candidates]
        others = gate.visible(actor).filter(pk__in=ids).exclude(pk=result.record.beneficiary_id)
        if not others.exists():
            return hidden
    return {"outcome": result.outcome, "grade": result.grade, "score": result.score}


def submit_record(
    *, actor: Actor, external_id: str, payload: dict, precondition=None, request_id: str = ""
) -> UpsertResult:
    organization = Organization.objects.get(pk=actor.organization_id)
    with transaction.atomic():
        result = record_upsert(
            organization=organization,
            external_id=external_id,
            payload=payload,
            precondition=precondition,
        )
        record = result.record
        log_access(
            actor=actor,
            action="write" if result.changed else "read",
            resource="record",
            decision="allow",
            beneficiary_id=record.beneficiary_id,
            categories=[Category.IDENTITY, Category.CONTACT],
            basis="own_record",
            request_id=request_id,
        )
        if result.changed:
            emit(
                type="record.upserted",
                organization_id=organization.pk,
                beneficiary_id=record.beneficiary_id,
                subject_id=record.external_id,
                data={
                    "record": str(record.id),
                    "version": record.version,
                    "created": result.created,
                },
            )
            result.known_before = result.outcome == MatchOutcome.LINKED and gate.knew_before(
                actor, record.beneficiary_id, record_id=record.pk
            )
            if result.known_before:
                emit(
                    type="beneficiary.linked",
                    organization_id=organization.pk,
                    beneficiary_id=record.beneficiary_id,
                    subject_id=record.beneficiary_id,
                    data={"record": str(record.id)},
                )
    return result
