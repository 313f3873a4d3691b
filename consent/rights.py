"""Rights of the person: subject access (GDPR art. 15) and erasure by anonymisation (art. 17).

Each organization is the controller of what it processed and received, so its DPO reports and
exports exactly that (``viewer`` given): its own records, the grants it recorded or received,
the access-log rows of its organizations and the accesses made under its grants, and the
sections other services register (``register_export_section``: the exchanges app adds the
organization's own cases and referrals). Never another partner's external ids, payloads or
names for the person: what a partner supplied stays with that partner, and a request covering
other partners goes through ``consent.rights_requests``. Without ``viewer`` (the hub operator,
the retention job) the report covers everything.

Erasure: ``anonymise_records`` erases one organization's records of a person (the person stays
known to the other partners, with a golden record recomputed from their records); when no
partner record keeps any data, or through ``anonymise_beneficiary`` (operator, retention), the
golden record itself is anonymised. Both are refused while a legal hold is active, and emit
``beneficiary.anonymised`` to each organization whose records were erased.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consent import gate, policy
from consent.audit import log_access
from consent.ledger import append_grant_event
from consent.models import AccessLog, Grant, GrantEvent, LegalHold, PortalConsent
from consent.vocab import Basis, Category, GrantEventKind
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, BeneficiaryStatus, PartnerRecord, RecordKey
from hub.registry.services import cluster_ids, refresh_golden

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

# name → fn(viewer: Actor | None, beneficiary_id) → JSON-ready list, added to the export.
EXPORT_SECTIONS: dict[str, Callable] = {}


def register_export_section(name: str, section: Callable) -> None:
    """Let a service above consent add what it holds to the subject access export (it is
    given the viewer, and answers only that viewer's organizations' data)."""
    EXPORT_SECTIONS[name] = section


class LegalHoldActive(Exception):
    """Erasure refused: the person's data is under a legal hold."""


def _iso(value):
    return value.isoformat() if value else None


def _scoped(viewer: Actor | None) -> bool:
    return viewer is not None and not viewer.is_superuser


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


def grants_in_scope(beneficiary_id, viewer: Actor | None):
    """The person's grants the viewer recorded or received (all without a viewer)."""
    grants = Grant.objects.filter(beneficiary_id=beneficiary_id)
    if _scoped(viewer):
        grants = grants.filter(
            Q(granted_by_id__in=viewer.organization_ids) | policy.grantee_q(viewer)
        )
    return grants


def accesses_in_scope(beneficiary_id, viewer: Actor | None):
    """Access-log rows about the person made by the viewer's organizations, and those made by
    others under a grant the viewer recorded (it disclosed that data)."""
    rows = AccessLog.objects.filter(beneficiary_id=beneficiary_id)
    if _scoped(viewer):
        recorded = Grant.objects.filter(
            beneficiary_id=beneficiary_id, granted_by_id__in=viewer.organization_ids
        ).values("pk")
        rows = rows.filter(
            Q(organization_id__in=viewer.organization_ids) | Q(grant_id__in=recorded)
        )
    return rows


def disclosure_report(beneficiary_id, *, viewer: Actor | None = None) -> dict:
    """Who accessed the person's data (access log) and who received what (grants + ledger),
    as far as the viewer's organizations are concerned."""
    grants = list(
        grants_in_scope(beneficiary_id, viewer)
        .select_related("granted_by", "grantee_organization", "grantee_group")
        .order_by("created_at")
    )
    accesses = (
        accesses_in_scope(beneficiary_id, viewer)
        .select_related("organization", "user", "client")
        .order_by("id")
    )
    events = GrantEvent.objects.filter(
        beneficiary_id=beneficiary_id, grant_id__in=[grant.pk for grant in grants]
    ).order_by("id")
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


def _person_values(beneficiary_id, viewer: Actor | None) -> dict:
    """The golden record as the viewer may see it (its own values, others' only under a
    grant); the stored golden record for the operator."""
    person = Beneficiary.objects.get(pk=beneficiary_id)
    values = {name: getattr(person, name) for name in ERASED_FIELDS}
    if _scoped(viewer):
        view = gate.views(viewer, [beneficiary_id]).get(person.pk)
        values = {name: (view.value(name) if view else "") for name in ERASED_FIELDS}
    return {"person": person, **values}


def portal_consents_in_scope(person_ids, viewer: Actor | None) -> list[dict]:
    """The consents the person gave on the citizen portal (to the viewer's organizations), with
    the notice they were shown."""
    consents = PortalConsent.objects.filter(beneficiary_id__in=person_ids)
    if _scoped(viewer):
        consents = consents.filter(organization_id__in=viewer.organization_ids)
    return [
        {
            "organization": consent.organization.name,
            "purpose": consent.purpose,
            "given_at": _iso(consent.given_at),
            "channel": consent.channel,
            "notice_version": consent.notice_version,
            "notice_text": consent.notice_text,
            "withdrawn_at": _iso(consent.withdrawn_at),
            "grant": str(consent.grant_id or ""),
        }
        for consent in consents.select_related("organization").order_by("given_at")
    ]


def subject_access_export(beneficiary_id, *, viewer: Actor | None = None) -> dict:
    """What the viewer's organizations hold about the person, with the disclosure report."""
    values = _person_values(beneficiary_id, viewer)
    person = values["person"]
    cluster = cluster_ids(person.pk)
    records = PartnerRecord.objects.filter(beneficiary_id__in=cluster)
    if _scoped(viewer):
        records = records.filter(organization_id__in=viewer.organization_ids)
    report = disclosure_report(beneficiary_id, viewer=viewer)
    return {
        "beneficiary": {
            "id": str(person.id),
            "status": person.status,
            "identity": {
                "first_names": values["first_names"],
                "birth_name": values["birth_name"],
                "usage_name": values["usage_name"],
                "sex": values["sex"],
                "birth_date": values["birth_date"],
                "birth_place": values["birth_place"],
                "has_nir": bool(values["nir_hash"]),
            },
            "contact": {
                "phone": values["phone"],
                "email": values["email"],
                "address": {
                    "line": values["address_line"],
                    "postcode": values["postcode"],
                    "city": values["city"],
                    "insee_code": values["insee_code"],
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
            for record in records.select_related("organization").order_by("created_at")
        ],
        "portal_consents": portal_consents_in_scope(cluster, viewer),
        **{name: section(viewer, person.pk) for name, section in EXPORT_SECTIONS.items()},
        **{key: value for key, value in report.items() if key != "beneficiary"},
    }


def active_hold(beneficiary_id) -> LegalHold | None:
    return LegalHold.objects.filter(beneficiary_id=beneficiary_id, released_at__isnull=True).first()


def _withdraw(grants, *, actor: Actor, reason: str, request_id: str) -> None:
    now = timezone.now()
    for grant in grants.select_for_update().filter(withdrawn_at__isnull=True):
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


def _erase_records(records) -> list:
    """Clear the records' data and blocking keys; answer their organizations."""
    records = list(records.select_for_update())
    RecordKey.objects.filter(record__in=[record.pk for record in records]).delete()
    for record in records:
        record.payload = {}
        record.nir_hash = ""
        record.match_features = None
        record.version += 1
        record.save(
            update_fields=["payload", "nir_hash", "match_features", "version", "updated_at"]
        )
    return sorted({record.organization_id for record in records}, key=str)


def _anonymised_events(person_id, organizations, *, scope: str) -> None:
    for organization_id in organizations:
        emit(
            type="beneficiary.anonymised",
            organization_id=organization_id,
            beneficiary_id=person_id,
            subject_id=person_id,
            data={"beneficiary": str(person_id), "scope": scope},
        )


def _anonymise_golden(person: Beneficiary) -> None:
    for name in ERASED_FIELDS:
        setattr(person, name, "")
    person.status = BeneficiaryStatus.ANONYMISED
    person.save()


@transaction.atomic
def anonymise_beneficiary(
    *, actor: Actor, beneficiary_id, reason: str, request_id: str = ""
) -> Beneficiary:
    """Erase a person everywhere (hub operator, retention): identity and contact cleared in the
    golden record and in every partner record, grants withdrawn (ledger), one ``erase``
    access-log row, ``beneficiary.anonymised`` to every organization that held a record.

    Refused (``LegalHoldActive``) while a legal hold is active. Running it twice is harmless.
    """
    person = Beneficiary.objects.select_for_update().get(pk=beneficiary_id)
    if active_hold(person.pk):
        raise LegalHoldActive(str(person.pk))
    if person.status == BeneficiaryStatus.ANONYMISED:
        return person
    _anonymise_golden(person)
    organizations = _erase_records(PartnerRecord.objects.filter(beneficiary_id=person.pk))
    _withdraw(
        Grant.objects.filter(beneficiary_id=person.pk),
        actor=actor,
        reason=reason,
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
    _anonymised_events(person.pk, organizations, scope="all")
    return person


@transaction.atomic
def anonymise_records(
    *, actor: Actor, beneficiary_id, organization_ids, reason: str, request_id: str = ""
) -> Beneficiary:
    """Erase what ``organization_ids`` hold about a person: their records (and records of
    persons merged into it) cleared, the grants they recorded withdrawn. Other partners'
    records are not touched; when none of them keeps any data, the golden record is anonymised
    too, otherwise it is recomputed from what remains. Refused under a legal hold."""
    organization_ids = [org for org in organization_ids if org]
    person = Beneficiary.objects.select_for_update().get(pk=beneficiary_id)
    if active_hold(person.pk):
        raise LegalHoldActive(str(person.pk))
    if person.status == BeneficiaryStatus.ANONYMISED or not organization_ids:
        return person
    cluster = cluster_ids(person.pk)
    mine = PartnerRecord.objects.filter(
        beneficiary_id__in=cluster, organization_id__in=organization_ids
    )
    organizations = _erase_records(mine)
    _withdraw(
        Grant.objects.filter(beneficiary_id__in=cluster, granted_by_id__in=organization_ids),
        actor=actor,
        reason=reason,
        request_id=request_id,
    )
    others_keep_data = (
        PartnerRecord.objects.filter(beneficiary_id__in=cluster)
        .exclude(organization_id__in=organization_ids)
        .exclude(payload={})
        .exists()
    )
    if others_keep_data:
        refresh_golden(person)
    else:
        _anonymise_golden(person)
        _withdraw(
            Grant.objects.filter(beneficiary_id__in=cluster),
            actor=actor,
            reason=reason,
            request_id=request_id,
        )
    log_access(
        actor=actor,
        action="erase",
        resource="partner_record",
        decision="allow",
        beneficiary_id=person.pk,
        categories=Category.ALL,
        purpose=reason[:60],
        basis=Basis.OWN_RECORD if not actor.is_superuser else Basis.SUPERUSER,
        request_id=request_id,
    )
    _anonymised_events(
        person.pk, organizations, scope="organization" if others_keep_data else "all"
    )
    return person
