"""Writes of the registry: partner records and golden records.

Services take keyword-only arguments and run inside the caller's transaction; the caller (a
service of a higher layer) writes the audit row and the outbox event in the same transaction.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from hub.registry import intake
from hub.registry.golden import survive
from hub.registry.intake import MatchOutcome
from hub.registry.models import Beneficiary, BeneficiaryStatus, Organization, PartnerRecord
from hub.registry.validators import nir_hash


class PreconditionFailed(Exception):
    """If-Match / If-None-Match did not hold for the record's current version."""


@dataclass
class UpsertResult:
    record: PartnerRecord
    created: bool
    changed: bool
    outcome: str
    score: float | None = None
    grade: str | None = None
    review_candidates: list = field(default_factory=list)
    previous_beneficiary_id: object | None = None
    # Set by the face's service: could the caller see the linked person before this write?
    known_before: bool = False


def record_etag(record: PartnerRecord) -> str:
    return f'"{record.id}-{record.version}"'


def split_nir(payload: dict) -> tuple[dict, str]:
    clean = copy.deepcopy(payload)
    nir = clean.pop("nir", None)
    return clean, (nir_hash(nir) if nir else "")


def cluster_ids(beneficiary_id) -> list:
    """The beneficiary and every beneficiary merged into it, directly or not."""
    found = [beneficiary_id]
    frontier = [beneficiary_id]
    while frontier:
        frontier = list(
            Beneficiary.objects.filter(merged_into__in=frontier).values_list("id", flat=True)
        )
        found.extend(frontier)
    return found


def refresh_golden(beneficiary: Beneficiary) -> Beneficiary:
    """Recompute the golden fields from the records of the beneficiary and those merged into it."""
    records = list(
        PartnerRecord.objects.filter(beneficiary_id__in=cluster_ids(beneficiary.pk)).select_related(
            "organization"
        )
    )
    if not records:
        return beneficiary
    values = survive(records)
    changed = [name for name, value in values.items() if getattr(beneficiary, name) != value]
    for name in changed:
        setattr(beneficiary, name, values[name])
    beneficiary.last_contact_at = timezone.now()
    beneficiary.save(update_fields=[*changed, "last_contact_at", "updated_at"])
    return beneficiary


def root_beneficiary(beneficiary: Beneficiary) -> Beneficiary:
    """Follow ``merged_into`` to the beneficiary that stands for the whole cluster."""
    seen = set()
    while beneficiary.merged_into_id and beneficiary.pk not in seen:
        seen.add(beneficiary.pk)
        beneficiary = beneficiary.merged_into
    return beneficiary


def record_upsert(
    *,
    organization: Organization,
    external_id: str,
    payload: dict,
    precondition=None,
) -> UpsertResult:
    """Create or replace ``organization``'s record ``external_id`` (payload already validated).

    A new record goes through identity matching (``hub.registry.intake``); a replaced record keeps
    its beneficiary and refreshes the golden record. ``precondition(current_etag_or_None)`` is
    called under the row lock so that concurrent If-Match writers cannot both win.

    Concurrent creations of one new (organization, external_id) are resolved by the database:
    the loser's INSERT meets the unique constraint, its savepoint is rolled back, and it runs
    again as a replacement under the winner's row lock (its precondition checked again, so
    ``If-None-Match: *`` answers 412 rather than overwriting).
    """
    clean, nir_digest = split_nir(payload)
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _upsert_once(organization, external_id, clean, nir_digest, precondition)
        except IntegrityError:
            exists = PartnerRecord.objects.filter(
                organization=organization, external_id=external_id
            ).exists()
            if not exists or attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _upsert_once(organization, external_id, clean, nir_digest, precondition) -> UpsertResult:
    record = (
        PartnerRecord.objects.select_for_update()
        .filter(organization=organization, external_id=external_id)
        .first()
    )
    if precondition is not None:
        precondition(record_etag(record) if record else None)
    if record is not None:
        if record.payload == clean and record.nir_hash == nir_digest:
            return UpsertResult(
                record=record, created=False, changed=False, outcome=MatchOutcome.UNCHANGED
            )
        record.payload = clean
        record.nir_hash = nir_digest
        record.version += 1
        prepared = intake.prepared_for(record.pk, clean, nir_digest)
        record.match_features = intake.stored_features(prepared, record.version)
        record.save(
            update_fields=["payload", "nir_hash", "version", "match_features", "updated_at"]
        )
        intake.index_record(record, prepared)
        refresh_golden(root_beneficiary(record.beneficiary))
        return UpsertResult(
            record=record, created=False, changed=True, outcome=MatchOutcome.UPDATED
        )

    decision = intake.match_new_record(
        organization=organization, payload=clean, nir_digest=nir_digest
    )
    prepared = intake.prepared_for("new", clean, nir_digest)
    beneficiary = decision.beneficiary or Beneficiary.objects.create(
        status=BeneficiaryStatus.ACTIVE
    )
    record = PartnerRecord.objects.create(  # may meet a concurrent creator: see record_upsert
        organization=organization,
        external_id=external_id,
        beneficiary=beneficiary,
        payload=clean,
        nir_hash=nir_digest,
        match_features=intake.stored_features(prepared, 1),
    )
    intake.index_record(record, prepared)
    refresh_golden(root_beneficiary(beneficiary))
    intake.file_review_items(record=record, decision=decision)
    return UpsertResult(
        record=record,
        created=True,
        changed=True,
        outcome=decision.outcome,
        score=decision.score,
        grade=decision.grade,
        review_candidates=decision.review_candidates,
    )
