"""Rights of the person: subject access (GDPR art. 15) and erasure by anonymisation (art. 17).

The disclosure report answers "who accessed my data and who received what, on which basis";
the subject access export adds the data itself. Erasure anonymises the golden record and the
partner records, withdraws the grants, and is refused while a legal hold is active.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from consent.audit import log_access
from consent.ledger import append_grant_event
from consent.models import AccessLog, Grant, GrantEvent, LegalHold
from consent.vocab import Basis, Category, GrantEventKind
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, BeneficiaryStatus, PartnerRecord

ERASED_FIELDS = (
    "first_names",
    "birth_name",
    "usage_name",
    "sex",
    "birth_date",
    "birth_place",
    "nir_hash",
    "phone",
    "email",
    "address_line",
    "postcode",
    "city",
    "insee_code",
)


class LegalHoldActive(Exception):
    """Erasure refused: the person's data is under a legal hold."""


def _iso(value):
    return value.isoformat() if value else None


def grant_summary(grant: Grant) -> dict:
    return {
        "id": str(grant.id),
        "basis": grant.basis,
        "basis_label": str(Basis(grant.basis).label),
        "legal_reference": grant.legal_reference,
        "granted_by": grant.granted_by.name,
        "grantee": grant.grantee_label,
        "purposes": grant.purposes,
        "categories": grant.categories,
        "valid_from": _iso(grant.valid_from),
        "valid_until": _iso(grant.valid_until),
        "status": grant.status,
        "evidence_method": grant.evidence_method,
        "collected_by": grant.collected_by_name,
        "family_information": grant.family_information,
        "withdrawn_at": _iso(grant.withdrawn_at),
        "reviewed_at": _iso(grant.reviewed_at),
    }


def disclosure_report(beneficiary_id) -> dict:
    """Who accessed the person's data (access log) and who received what (grants + ledger)."""
    grants = (
        Grant.objects.filter(beneficiary_id=beneficiary_id)
        .select_related("granted_by", "grantee_organization", "grantee_group")
        .order_by("created_at")
    )
    accesses = (
        AccessLog.objects.filter(beneficiary_id=beneficiary_id)
        .select_related("organization", "user", "client")
        .order_by("id")
    )
    events = GrantEvent.objects.filter(beneficiary_id=beneficiary_id).order_by("id")
    return {
        "beneficiary": str(beneficiary_id),
        "generated_at": timezone.now().isoformat(),
        "grants": [grant_summary(grant) for grant in grants],
        "grant_events": [
            {
                "id": event.id,
                "at": event.at.isoformat(),
                "grant": str(event.grant_id),
                "kind": event.kind,
                "organization": str(event.organization_id or ""),
            }
            for event in events
        ],
        "accesses": [
            {
                "id": row.id,
                "at": row.at.isoformat(),
                "organization": row.organization.name if row.organization else "",
                "user": row.user.get_username() if row.user else "",
                "client": str(row.client) if row.client else "",
                "action": row.action,
                "resource": row.resource,
                "categories": row.categories,
                "purpose": row.purpose,
                "basis": row.basis,
                "grant": str(row.grant_id or ""),
                "decision": row.decision,
            }
            for row in accesses
        ],
    }


def subject_access_export(beneficiary_id) -> dict:
    """Everything the hub holds about the person, with the disclosure report."""
    person = Beneficiary.objects.get(pk=beneficiary_id)
    records = PartnerRecord.objects.filter(beneficiary_id=beneficiary_id).select_related(
        "organization"
    )
    report = disclosure_report(beneficiary_id)
    return {
        "beneficiary": {
            "id": str(person.id),
            "status": person.status,
            "identity": {
                "first_names": person.first_names,
                "birth_name": person.birth_name,
                "usage_name": person.usage_name,
                "sex": person.sex,
                "birth_date": person.birth_date,
                "birth_place": person.birth_place,
                "has_nir": bool(person.nir_hash),
            },
            "contact": {
                "phone": person.phone,
                "email": person.email,
                "address": {
                    "line": person.address_line,
                    "postcode": person.postcode,
                    "city": person.city,
                    "insee_code": person.insee_code,
                },
            },
            "last_contact_at": _iso(person.last_contact_at),
            "created_at": _iso(person.created_at),
        },
        "partner_records": [
            {
                "organization": record.organization.name,
                "external_id": record.external_id,
                "data": record.payload,
                "created_at": _iso(record.created_at),
                "updated_at": _iso(record.updated_at),
            }
            for record in records
        ],
        **{key: value for key, value in report.items() if key != "beneficiary"},
    }


def active_hold(beneficiary_id) -> LegalHold | None:
    return LegalHold.objects.filter(beneficiary_id=beneficiary_id, released_at__isnull=True).first()


@transaction.atomic
def anonymise_beneficiary(
    *, actor: Actor, beneficiary_id, reason: str, request_id: str = ""
) -> Beneficiary:
    """Erase a person by anonymisation: identity and contact cleared in the golden record and
    in every partner record, grants withdrawn (ledger), one ``erase`` access-log row.

    Refused (``LegalHoldActive``) while a legal hold is active. Running it twice is harmless.
    """
    person = Beneficiary.objects.select_for_update().get(pk=beneficiary_id)
    if active_hold(person.pk):
        raise LegalHoldActive(str(person.pk))
    if person.status == BeneficiaryStatus.ANONYMISED:
        return person
    for name in ERASED_FIELDS:
        setattr(person, name, "")
    person.status = BeneficiaryStatus.ANONYMISED
    person.save()
    PartnerRecord.objects.filter(beneficiary_id=person.pk).update(
        payload={}, nir_hash="", updated_at=timezone.now()
    )
    now = timezone.now()
    for grant in Grant.objects.select_for_update().filter(
        beneficiary_id=person.pk, withdrawn_at__isnull=True
    ):
        grant.withdrawn_at = now
        grant.withdrawal_reason = f"effacement : {reason}"
        grant.save(update_fields=["withdrawn_at", "withdrawal_reason"])
        append_grant_event(
            grant=grant,
            kind=GrantEventKind.WITHDRAWN,
            actor=actor,
            data={"withdrawn_at": now.isoformat(), "reason": grant.withdrawal_reason},
            request_id=request_id,
        )
    log_access(
        actor=actor,
        action="erase",
        resource="beneficiary",
        decision="allow",
        beneficiary_id=person.pk,
        categories=Category.ALL,
        purpose=reason[:60],
        request_id=request_id,
    )
    return person
