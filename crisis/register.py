"""The register's services: register a person, acknowledge a third party's request, record an
objection, end an entry; and the one way to read it (through ``consent.policy``).

``register_person`` is also the function the citizen portal calls (self or third-party request).
Creating an entry links the person to the golden record through the matching engine
(``hub.registry.intake.match_new_record``, read-only: a certain match links to the existing
person, anything else gives a new person of its own) and writes **no partner record**: the golden
record, what any partner sees of it, the review queue and the feed of other partners are
unchanged. The entry's data stays in ``crisis.Registration``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import schemas
from consent.audit import log_access
from consent.vocab import Basis, Purpose
from crisis import call_entries, grants
from crisis.errors import CrisisError, NotFound
from crisis.models import Registration
from crisis.vocab import Eligibility, EndReason, RegistrationStatus, RequestedBy
from hub.outbox.emit import emit
from hub.registry import intake
from hub.registry.actors import Actor
from hub.registry.intake import Candidate, MatchOutcome
from hub.registry.models import Beneficiary, BeneficiaryStatus, Organization, OrganizationKind

REGISTER_HOLDERS = frozenset(
    {OrganizationKind.COMMUNE, OrganizationKind.CCAS, OrganizationKind.CIAS}
)
LIVE = (RegistrationStatus.PENDING, RegistrationStatus.ACTIVE)
RESOURCE = "crisis_registration"


def _text(value, field: str, errors: list, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append({"field": field, "message": "a string is expected"})
        return ""
    if len(value) > limit:
        errors.append({"field": field, "message": f"at most {limit} characters"})
    return value.strip()


def validate_entry(
    *, person, category, requested_by, emergency_contact, third_party, home_care_service
) -> list[dict]:
    errors: list[dict] = []
    if not isinstance(person, dict):
        errors.append({"field": "person", "message": "a person record (JSON object) is required"})
    else:
        if "nir" in person:
            errors.append({"field": "person.nir", "message": "the register does not hold the NIR"})
        errors += [
            {"field": f"person.{e['field']}" if e["field"] else "person", "message": e["message"]}
            for e in schemas.validate("beneficiary-record", 1, person)
        ]
    if category not in Eligibility.values:
        errors.append({"field": "category", "message": f"one of: {', '.join(Eligibility.values)}"})
    if requested_by not in RequestedBy.values:
        errors.append(
            {"field": "requested_by", "message": f"one of: {', '.join(RequestedBy.values)}"}
        )
    if requested_by == RequestedBy.THIRD_PARTY and not (third_party or {}).get("name"):
        errors.append(
            {
                "field": "third_party.name",
                "message": "a third party's request names the third party",
            }
        )
    if requested_by != RequestedBy.THIRD_PARTY and third_party:
        errors.append({"field": "third_party", "message": "only for a third party's request"})
    for name, value in (("emergency_contact", emergency_contact), ("third_party", third_party)):
        if value is not None and not isinstance(value, dict):
            errors.append({"field": name, "message": "a JSON object is expected"})
    _text(home_care_service, "home_care_service", errors, 200)
    return errors


def _register_holder(actor: Actor) -> Organization:
    organization = Organization.objects.filter(pk=actor.organization_id, is_active=True).first()
    if organization is None or organization.kind not in REGISTER_HOLDERS:
        raise CrisisError(
            "only a commune (or its CCAS/CIAS) keeps a register of vulnerable persons",
            status=403,
            field="organization",
        )
    return organization


def _already_registered(organization, person: dict, beneficiary_id) -> Registration | None:
    """A live entry of the same person in this register: the same golden record, or a certain
    match of the matching engine among entries born the same day."""
    live = Registration.objects.filter(organization=organization, status__in=LIVE)
    if beneficiary_id is not None:
        same = live.filter(beneficiary_id=beneficiary_id).first()
        if same is not None:
            return same
    prepared = intake.prepared_for("new", person, "")
    model = intake.current_model()
    for entry in live.filter(person__birth_date=person.get("birth_date", "")):
        comparison = model.compare(prepared, intake.prepared_for(entry.pk, entry.person, ""))
        candidate = Candidate(entry.pk, comparison.score, comparison.grade, comparison.explanation)
        if intake.safe_to_link(candidate):
            return entry
    return None


def _link(organization, person: dict):
    decision = intake.match_new_record(organization=organization, payload=person, nir_digest="")
    if decision.outcome == MatchOutcome.LINKED and decision.beneficiary is not None:
        return decision.beneficiary, decision
    return None, decision


def register_person(
    *,
    actor: Actor,
    person: dict,
    category: str,
    requested_by: str,
    lives_alone: bool = False,
    home_care_service: str = "",
    emergency_contact: dict | None = None,
    third_party: dict | None = None,
    transmitted_by: str = "",
    requested_at: dt.datetime | None = None,
    informed: bool = False,
    request_id: str = "",
) -> Registration:
    """Enter a person in the register of ``actor``'s commune.

    ``self``: active at once (the person asked). ``third_party``: pending until the commune
    acknowledges the written request (due within ``CRISIS_ACK_DAYS`` days) and the person, being
    informed, does not object. ``transmitted`` (département, CARSAT): active, the person being
    informed and free to object. Errors name the field; nothing is written on any error.
    """
    errors = validate_entry(
        person=person,
        category=category,
        requested_by=requested_by,
        emergency_contact=emergency_contact,
        third_party=third_party,
        home_care_service=home_care_service,
    )
    contact = emergency_contact or {}
    third = third_party or {}
    fields = {
        "contact_name": _text(contact.get("name"), "emergency_contact.name", errors, 200),
        "contact_phone": _text(contact.get("phone"), "emergency_contact.phone", errors, 40),
        "contact_relation": _text(
            contact.get("relation"), "emergency_contact.relation", errors, 100
        ),
        "third_party_name": _text(third.get("name"), "third_party.name", errors, 200),
        "third_party_contact": _text(third.get("contact"), "third_party.contact", errors, 254),
        "third_party_relation": _text(third.get("relation"), "third_party.relation", errors, 100),
        "transmitted_by": _text(transmitted_by, "transmitted_by", errors, 200),
    }
    if requested_by == RequestedBy.TRANSMITTED and not fields["transmitted_by"]:
        errors.append({"field": "transmitted_by", "message": "name the département or the CARSAT"})
    if errors:
        raise CrisisError(errors)
    organization = _register_holder(actor)
    now = timezone.now()
    requested_at = requested_at or now
    with transaction.atomic():
        beneficiary, _decision = _link(organization, person)
        existing = _already_registered(
            organization, person, beneficiary.pk if beneficiary else None
        )
        if existing is not None:
            raise CrisisError("this person is already in the register", status=409, field="person")
        if beneficiary is None:
            beneficiary = Beneficiary.objects.create(status=BeneficiaryStatus.ACTIVE)
        # A registration is a contact (retention counts from the last one).
        Beneficiary.objects.filter(pk=beneficiary.pk).update(last_contact_at=now)
        pending = requested_by == RequestedBy.THIRD_PARTY
        registration = Registration(
            organization=organization,
            beneficiary=beneficiary,
            status=RegistrationStatus.PENDING if pending else RegistrationStatus.ACTIVE,
            category=category,
            requested_by=requested_by,
            person=person,
            lives_alone=bool(lives_alone),
            home_care_service=(home_care_service or "").strip(),
            requested_at=requested_at,
            acknowledgment_due=(
                (
                    timezone.localtime(requested_at) + dt.timedelta(days=settings.CRISIS_ACK_DAYS)
                ).date()
                if pending
                else None
            ),
            acknowledged_at=None if pending else now,
            informed_at=now if (requested_by == RequestedBy.TRANSMITTED or informed) else None,
            created_by_id=actor.user_id,
            **fields,
        )
        registration.save(force_insert=True)
        if not pending:
            grants.record_register_grants(
                actor=actor, registration=registration, request_id=request_id
            )
            registration.save(update_fields=["grant", "intervention_grant"])
            call_entries.append(registration)  # an open plan calls the person too
        _log_write(actor, registration, request_id)
        emit(
            type="crisis.registered",
            organization_id=organization.pk,
            subject_id=registration.pk,
            data={
                "registration": str(registration.pk),
                "status": registration.status,
                "commune": registration.commune_code(),
            },
        )
    return registration


def _log_write(actor: Actor, registration: Registration, request_id: str) -> None:
    log_access(
        actor=actor,
        action="write",
        resource=RESOURCE,
        decision="allow",
        beneficiary_id=registration.beneficiary_id,
        categories=sorted(grants.REGISTER_CATEGORIES),
        purpose=Purpose.CRISIS_PLAN,
        basis=Basis.LEGAL_OBLIGATION,
        grant_id=registration.grant_id,
        request_id=request_id,
    )


def _own_entry(actor: Actor, registration_id, *, lock: bool = True) -> Registration:
    rows = Registration.objects.filter(pk=registration_id)
    if not actor.is_superuser:
        rows = rows.filter(organization_id__in=actor.organization_ids)
    if lock:
        rows = rows.select_for_update()
    registration = rows.select_related("organization").first()
    if registration is None:
        raise NotFound(registration_id)
    return registration


@transaction.atomic
def acknowledge_request(*, actor: Actor, registration_id, request_id: str = "") -> Registration:
    """The commune acknowledges a third party's request: the entry becomes active."""
    registration = _own_entry(actor, registration_id)
    if registration.status != RegistrationStatus.PENDING:
        raise CrisisError("only a pending request can be acknowledged", status=409, field="status")
    registration.status = RegistrationStatus.ACTIVE
    registration.acknowledged_at = timezone.now()
    registration.informed_at = registration.informed_at or registration.acknowledged_at
    grants.record_register_grants(actor=actor, registration=registration, request_id=request_id)
    registration.save()
    call_entries.append(registration)  # an open plan calls the person too
    _log_write(actor, registration, request_id)
    emit(
        type="crisis.registered",
        organization_id=registration.organization_id,
        subject_id=registration.pk,
        data={
            "registration": str(registration.pk),
            "status": registration.status,
            "commune": registration.commune_code(),
        },
    )
    return registration


ERASED = {
    "person": {},
    "lives_alone": False,
    "home_care_service": "",
    "contact_name": "",
    "contact_phone": "",
    "contact_relation": "",
    "third_party_name": "",
    "third_party_contact": "",
    "third_party_relation": "",
}


@transaction.atomic
def end_registration(
    *, actor: Actor, registration_id, reason: str = EndReason.REQUEST, request_id: str = ""
) -> Registration:
    """End an entry (the person's request or objection, death, moving away): both grants are
    withdrawn and the entry's personal data erased; the trace (dates, origin, reason) stays,
    since the register itself never closes."""
    if reason not in EndReason.values:
        raise CrisisError(f"one of: {', '.join(EndReason.values)}", field="reason")
    registration = _own_entry(actor, registration_id)
    if registration.status not in LIVE:
        return registration
    grants.end_register_grants(
        actor=actor,
        registration=registration,
        reason=str(EndReason(reason).label),
        request_id=request_id,
    )
    now = timezone.now()
    registration.status = (
        RegistrationStatus.OBJECTED if reason == EndReason.OBJECTION else RegistrationStatus.REMOVED
    )
    registration.ended_at = now
    registration.end_reason = reason
    if reason == EndReason.OBJECTION:
        registration.objected_at = now
    for name, value in ERASED.items():
        setattr(registration, name, value)
    registration.save()
    # Calls not yet made are closed: nobody calls a person who left the register.
    call_entries.close_for(registration, now)
    _log_write(actor, registration, request_id)
    emit(
        type="crisis.removed",
        organization_id=registration.organization_id,
        subject_id=registration.pk,
        data={"registration": str(registration.pk), "reason": reason},
    )
    return registration
