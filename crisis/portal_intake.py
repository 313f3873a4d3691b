"""Registrations in a commune's register of vulnerable persons, asked on the citizen portal.

``submit_registration`` checks the request (French errors naming the field; nothing written on
any error) and files it as an ``exchanges.PortalSubmission`` for the register's holder of that
INSEE code (the one with an agent named by the mayor; else its CCAS, CIAS, the commune): it is *not* an entry of the register yet.
An agent named by the mayor confirms it (``confirm_registration``), which calls
``crisis.register.register_person`` with the request's origin: ``self`` is active at once,
``third_party`` waits for the acknowledgment and the person's information, as any written
request of a third party. The person's request rests on the register's legal basis (CASF
L121-6-1, purpose ``crisis_plan``); withdrawing it by the link ends the entry
(``end_registration``, reason: the person's request).
"""

from __future__ import annotations

import re

from django.db import transaction
from django.dispatch import receiver

from consent import portal
from consent.vocab import Purpose
from crisis import register
from crisis.errors import CrisisError
from crisis.models import Registration
from crisis.vocab import Eligibility, EndReason, RequestedBy
from exchanges import portal_checks, portal_messages, submission_queue
from exchanges.models import PortalSubmission, SubmissionKind, SubmissionStatus
from exchanges.submissions import (
    Receipt,
    SubmissionError,
    create_submission,
    portal_actor,
    registration_withdrawn,
)
from hub.registry.actors import Actor
from hub.registry.models import Membership, Organization, OrganizationKind, Role

INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
# Who keeps the register of a commune, by preference.
HOLDER_ORDER = (OrganizationKind.CCAS, OrganizationKind.CIAS, OrganizationKind.COMMUNE)
PORTAL_ORIGINS = (RequestedBy.SELF, RequestedBy.THIRD_PARTY)


def register_holder(commune_insee: str) -> Organization | None:
    """The organization keeping the register of that INSEE code: among the active CCAS, CIAS
    and commune serving it, the one with an agent named by the mayor (someone to handle the
    request), else by preference the CCAS, the CIAS, the commune."""
    found = [
        org
        for org in Organization.objects.filter(is_active=True, kind__in=HOLDER_ORDER)
        if commune_insee in (org.insee_codes or [])
    ]
    staffed = set(
        Membership.objects.filter(
            organization__in=found, role=Role.CRISIS_AGENT, is_active=True
        ).values_list("organization_id", flat=True)
    )
    found.sort(key=lambda org: (org.pk not in staffed, HOLDER_ORDER.index(org.kind), org.name))
    return found[0] if found else None


def _checked(
    *,
    commune_insee,
    person,
    category,
    requested_by,
    requester,
    lives_alone,
    emergency_contact,
    purposes,
) -> tuple[Organization | None, dict, list]:
    errors: list[dict] = []
    holder = None
    if not isinstance(commune_insee, str) or not INSEE.match(commune_insee):
        errors.append({"field": "commune_insee", "message": "Choisissez la commune."})
    else:
        holder = register_holder(commune_insee)
        if holder is None:
            errors.append(
                {
                    "field": "commune_insee",
                    "message": "Cette commune ne tient pas son registre sur Passerelle : "
                    "adressez-vous directement à la mairie.",
                }
            )
    errors += portal_checks.person_errors(person, allow_nir=False)
    if category not in Eligibility.values:
        errors.append(
            {"field": "category", "message": "Choisissez la situation de la personne à inscrire."}
        )
    if requested_by not in PORTAL_ORIGINS:
        errors.append(
            {
                "field": "requested_by",
                "message": "Indiquez si vous faites la demande pour vous-même ou pour un proche.",
            }
        )
    asker = portal_checks.contact_value(requester, "requester", errors)
    if requested_by == RequestedBy.THIRD_PARTY and not asker.get("name"):
        errors.append({"field": "requester.name", "message": "Indiquez votre nom."})
    if requested_by == RequestedBy.SELF and asker:
        errors.append(
            {
                "field": "requester",
                "message": "Ne remplissez pas cette partie pour une demande faite pour vous-même.",
            }
        )
    if not isinstance(lives_alone, bool):
        errors.append({"field": "lives_alone", "message": "Indiquez si la personne vit seule."})
    contact = portal_checks.contact_value(emergency_contact, "emergency_contact", errors)
    if contact and not contact.get("phone"):
        errors.append(
            {
                "field": "emergency_contact.phone",
                "message": "Indiquez le téléphone de la personne à prévenir.",
            }
        )
    errors += portal.validate_purposes(portal.CRISIS, purposes)
    if isinstance(purposes, list | tuple) and Purpose.CRISIS_PLAN not in purposes:
        errors.append(
            {
                "field": "purposes",
                "message": "Cochez la case de demande d'inscription, après avoir lu "
                "l'information sur le registre.",
            }
        )
    details = {
        "commune_insee": commune_insee,
        "category": category,
        "requested_by": requested_by,
        "requester": asker,
        "lives_alone": lives_alone,
        "emergency_contact": contact,
    }
    if not errors:  # the register's own rules, as a last check (no entry is written here)
        for error in register.validate_entry(
            person=person,
            category=category,
            requested_by=requested_by,
            emergency_contact=_register_contact(details),
            third_party=_register_third_party(details),
            home_care_service="",
        ):
            errors.append({"field": error["field"], "message": "Cette valeur n'est pas valide."})
    return holder, details, errors


def _register_contact(details: dict) -> dict | None:
    contact = details.get("emergency_contact") or {}
    wanted = {k: contact[k] for k in ("name", "phone", "relation") if contact.get(k)}
    return wanted or None


def _register_third_party(details: dict) -> dict | None:
    if details.get("requested_by") != RequestedBy.THIRD_PARTY:
        return None
    asker = details.get("requester") or {}
    reach = " / ".join(v for v in (asker.get("email"), asker.get("phone")) if v)
    third = {"name": asker.get("name", ""), "contact": reach, "relation": asker.get("relation")}
    return {k: v for k, v in third.items() if v}


def submit_registration(
    *,
    commune_insee: str,
    person: dict,
    category: str,
    requested_by: str,
    requester: dict | None,
    lives_alone: bool,
    emergency_contact: dict | None,
    purposes: list[str],
    client_ip: str,
) -> Receipt:
    """A person asks to be in their commune's register, or a relative or neighbour asks for
    them. Filed for an agent's confirmation; the register itself is unchanged."""
    holder, details, errors = _checked(
        commune_insee=commune_insee,
        person=person,
        category=category,
        requested_by=requested_by,
        requester=requester,
        lives_alone=lives_alone,
        emergency_contact=emergency_contact,
        purposes=purposes,
    )
    if errors:
        raise SubmissionError(errors)
    with transaction.atomic():
        submission, links = create_submission(
            kind=SubmissionKind.CRISIS_REGISTRATION,
            organization=holder,
            person=portal_checks.clean_person(person),
            details=details,
            purposes=list(purposes),
            client_ip=client_ip,
        )
    notified = portal_messages.send_receipt(submission=submission, links=links)
    return Receipt(submission.reference, links, submission.pk, notified)


def confirm_registration(*, actor: Actor, submission_id, request_id: str = "") -> Registration:
    """An agent of the register's holder enters the requested person (``register_person``).

    ``CrisisError`` (the person already registered...) and ``SubmissionError`` leave nothing
    written."""
    with transaction.atomic():
        submission = submission_queue.claim(
            actor=actor, submission_id=submission_id, kind=SubmissionKind.CRISIS_REGISTRATION
        )
        acting = submission_queue.acting_for(actor, submission)
        details = submission.details
        registration = register.register_person(
            actor=acting,
            person=submission.person,
            category=details["category"],
            requested_by=details["requested_by"],
            lives_alone=bool(details.get("lives_alone")),
            emergency_contact=_register_contact(details),
            third_party=_register_third_party(details),
            requested_at=submission.created_at,
            informed=details["requested_by"] == RequestedBy.SELF,
            request_id=request_id,
        )
        portal.attach_grant(
            submission_id=submission.pk,
            purpose=Purpose.CRISIS_PLAN,
            beneficiary_id=registration.beneficiary_id,
            grant_id=registration.grant_id,
        )
        # Always "confirmed": whether the engine found the person in the hub is not the agent's
        # to learn (the register links to the golden record silently, writing no record).
        status = SubmissionStatus.CONFIRMED
        outcome = (
            "Inscrite au registre"
            if registration.grant_id
            else "Demande d'un tiers enregistrée : accusé de réception et information de la "
            "personne à faire"
        )
        submission_queue.mark_handled(
            actor=acting,
            submission=submission,
            status=status,
            beneficiary_id=registration.beneficiary_id,
            registration_id=registration.pk,
            outcome=outcome,
            request_id=request_id,
        )
    return registration


@receiver(registration_withdrawn, sender=PortalSubmission)
def end_withdrawn_registration(sender, *, submission, request_id: str = "", **kwargs) -> bool:
    """The person withdrew, by the portal's link, a request an agent had confirmed: the entry
    ends at the person's request (both grants withdrawn, its data erased)."""
    try:
        register.end_registration(
            actor=portal_actor(submission.organization_id),
            registration_id=submission.registration_id,
            reason=EndReason.REQUEST,
            request_id=request_id,
        )
    except (CrisisError, LookupError):
        return False
    return True
