"""A partner submits a chunk of records at once: ``records.submit_record`` set-wise.

The registry writes the chunk in a few statements (``hub.registry.bulk``); the access rows
are appended in one multi-row INSERT (``consent.audit.log_accesses``; the sequencer seals them
like any other row) and the outbox events in another (``hub.outbox.emit.emit_many``), in the
order the row-by-row path writes them. Whether the caller knew a linked person before the
link (``consent.gate.knew_before``) is answered for the whole chunk in three queries.
"""

from __future__ import annotations

from django.db import transaction

from consent import gate, policy
from consent.audit import log_accesses
from consent.policy import Category
from hub.outbox.emit import emit_many
from hub.registry.actors import Actor
from hub.registry.bulk import upsert_many
from hub.registry.intake import MatchOutcome
from hub.registry.models import Beneficiary, Organization, PartnerRecord


def _clusters(roots: set) -> dict:
    """Every beneficiary id of the given roots' clusters -> its root."""
    root_of = {pk: pk for pk in roots}
    frontier = list(roots)
    while frontier:
        found = []
        for pk, parent in Beneficiary.objects.filter(merged_into__in=frontier).values_list(
            "id", "merged_into_id"
        ):
            if pk not in root_of:
                root_of[pk] = root_of[parent]
                found.append(pk)
        frontier = found
    return root_of


def known_before(actor: Actor, results: list) -> list[bool]:
    """``gate.knew_before`` of each linked result, as the row-by-row path answers it: an own
    record of the person that was there before the row (in the registry, or an earlier row
    of the chunk), or an active grant."""
    linked = {r.record.beneficiary_id for r in results if r and r.outcome == MatchOutcome.LINKED}
    answers = [False] * len(results)
    if not linked:
        return answers
    if actor.is_superuser:
        return [bool(r) and r.outcome == MatchOutcome.LINKED for r in results]
    root_of = _clusters(linked)
    created_here = [r.record.pk for r in results if r and r.created]
    own = (
        PartnerRecord.objects.filter(gate.own_record_q(actor), beneficiary_id__in=list(root_of))
        .exclude(pk__in=created_here)
        .values_list("beneficiary_id", flat=True)
    )
    granted = policy.active_grants_for(actor).filter(beneficiary_id__in=list(root_of))
    before = {root_of[pk] for pk in own}
    before |= {root_of[pk] for pk in granted.values_list("beneficiary_id", flat=True)}
    seen: set = set()
    for position, result in enumerate(results):
        if not result:
            continue
        root = result.record.beneficiary_id
        if result.outcome == MatchOutcome.LINKED:
            answers[position] = root in before or root in seen
        if result.created:
            seen.add(root)
    return answers


def submit_many(
    *,
    actor: Actor,
    items: list[tuple[str, dict]],
    request_id: str = "",
    features=None,
    ready=None,
) -> list:
    """``submit_record`` of each (external_id, normalised payload), in order, in one
    transaction; returns the ``UpsertResult`` of each. ``features``: a ``pool.Features`` kept
    by the caller from one chunk to the next; ``ready``: each payload's ``bulk.ahead``, if the
    caller has it."""
    organization = Organization.objects.get(pk=actor.organization_id)
    with transaction.atomic():
        results = upsert_many(
            organization=organization, items=items, features=features, ready=ready
        )
        knew = known_before(actor, results)
        entries, events = [], []
        for result, known in zip(results, knew, strict=True):
            record = result.record
            entries.append(
                {
                    "actor": actor,
                    "action": "write" if result.changed else "read",
                    "resource": "record",
                    "decision": "allow",
                    "beneficiary_id": record.beneficiary_id,
                    "categories": [Category.IDENTITY, Category.CONTACT],
                    "basis": "own_record",
                    "request_id": request_id,
                }
            )
            if not result.changed:
                continue
            events.append(
                {
                    "type": "record.upserted",
                    "organization_id": organization.pk,
                    "beneficiary_id": record.beneficiary_id,
                    "subject_id": record.external_id,
                    "data": {
                        "record": str(record.id),
                        "version": record.version,
                        "created": result.created,
                    },
                }
            )
            result.known_before = known
            if known:
                events.append(
                    {
                        "type": "beneficiary.linked",
                        "organization_id": organization.pk,
                        "beneficiary_id": record.beneficiary_id,
                        "subject_id": record.beneficiary_id,
                        "data": {"record": str(record.id)},
                    }
                )
        log_accesses(entries)
        emit_many(events)
    return results
