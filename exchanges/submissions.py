"""The citizen portal's service side: submissions, their receipts, and withdrawal by link.

``submit_help_request`` (and ``crisis.portal_intake.submit_registration``, through
``create_submission``) validates everything first, with French errors naming the field
(``SubmissionError``): nothing is written on any error. A valid submission writes, in one
transaction, the ``PortalSubmission`` (the person as typed, *not* a partner record: the registry,
the golden records and the review queue are unchanged), one ``consent.PortalConsent`` per purpose
ticked with its evidence and a one-time withdrawal token (stored hashed), an access-log row and
an outbox event for the chosen organization. The person then gets their reference, what happens
next and their withdrawal links (``exchanges.portal_messages``).

``withdraw(token)`` answers the same neutral outcome for an unknown, used or expired token.
Before confirmation the consent simply never becomes a grant; after it, the grant is withdrawn
through ``consent.grants.withdraw_grant`` (ledger event, both parties told). Withdrawing the
request to be in a commune's register ends that entry: the crisis service listens to
``registration_withdrawn`` (exchanges never imports crisis).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone

from consent import portal
from consent.audit import log_access
from consent.vocab import Basis, Category
from exchanges import portal_checks, portal_messages
from exchanges.models import CaseType, PortalSubmission, SubmissionKind, SubmissionStatus
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from hub.registry.models import Organization, OrganizationKind

__all__ = [
    "Receipt",
    "SubmissionError",
    "WithdrawalOutcome",
    "create_submission",
    "portal_purposes",
    "registration_withdrawn",
    "submit_help_request",
    "withdraw",
]

RESOURCE = "portal_submission"
WITHDRAWAL_PATH = "/citoyen/retrait/{token}/"
# Unambiguous letters and digits (no 0/O, 1/I/L, U): 31 signs, 8 of them ≈ 40 bits.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
HELP_RECIPIENTS = frozenset(OrganizationKind.values) - {OrganizationKind.PREFECTURE}

# Sent inside the transaction of a withdrawal when the person withdraws a registration request
# that a worker already confirmed (``submission``, ``request_id``): the crisis register ends the
# entry. A withdrawal that no receiver carried out is an error (the transaction rolls back).
registration_withdrawn = Signal()


class SubmissionError(Exception):
    """Invalid input from the portal: ``errors`` is ``[{"field", "message"}]`` in French."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))


@dataclass(frozen=True)
class Receipt:
    reference: str
    withdrawal_links: list = field(default_factory=list)  # [(purpose_label, url_path)]
    submission_id: object = None
    notified_by: str = ""  # "email", "sms" or "" (the page is then the only receipt)


@dataclass(frozen=True)
class WithdrawalOutcome:
    ok: bool
    purpose_label: str = ""


def portal_purposes(kind: str) -> list[tuple[str, str, str]]:
    """``[(code, label, notice)]``: what a citizen may consent to on the ``help`` form or the
    ``crisis`` register form, with the plain-language notice."""
    return portal.portal_purposes(kind)


def portal_actor(organization_id) -> Actor:
    """The chosen organization, as the actor of what arrives from the portal (no user)."""
    return Actor(organization_id=organization_id, organization_ids=(organization_id,))


def hash_client_ip(client_ip: str) -> str:
    if not settings.PORTAL_HASH_CLIENT_IP or not isinstance(client_ip, str) or not client_ip:
        return ""
    key = hashlib.sha256(b"passerelle-portal-ip:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, client_ip.strip().encode(), hashlib.sha256).hexdigest()


def new_reference() -> str:
    sign = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"PAS-{sign[:4]}-{sign[4:]}"


def create_submission(
    *,
    kind: str,
    organization: Organization,
    person: dict,
    details: dict,
    purposes: list[str],
    client_ip: str,
) -> tuple[PortalSubmission, list[tuple[str, str]]]:
    """Write a checked submission with its consents, access row and event (one transaction).
    Returns the submission and its withdrawal links ``[(purpose_label, url_path)]``."""
    consent_kind = portal.CRISIS if kind == SubmissionKind.CRISIS_REGISTRATION else portal.HELP
    actor = portal_actor(organization.pk)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                submission = PortalSubmission.objects.create(
                    kind=kind,
                    organization=organization,
                    reference=new_reference(),
                    person=person,
                    details=details,
                    purposes=list(dict.fromkeys(purposes)),
                    client_ip_hash=hash_client_ip(client_ip),
                )
                break
        except IntegrityError:  # a reference drawn twice (about 1 in 10^12): draw again
            continue
    else:  # pragma: no cover
        raise RuntimeError("could not draw a unique reference")
    made = portal.record_portal_consents(
        submission_id=submission.pk,
        organization_id=organization.pk,
        kind=consent_kind,
        purposes=submission.purposes,
        given_at=submission.created_at,
    )
    log_access(
        actor=actor,
        action="receive",
        resource=RESOURCE,
        decision="allow",
        categories=[Category.IDENTITY, Category.CONTACT, Category.SITUATION],
        purpose=submission.purposes[0] if submission.purposes else "",
        basis=Basis.CONSENT if kind == SubmissionKind.HELP else Basis.LEGAL_OBLIGATION,
    )
    emit(
        type="portal.submission_received",
        organization_id=organization.pk,
        subject_id=submission.pk,
        data={"submission": str(submission.pk), "kind": kind},
    )
    links = [
        (str(portal.purpose_label(consent.purpose)), WITHDRAWAL_PATH.format(token=token))
        for consent, token in made
    ]
    return submission, links


def _help_recipient(organization_id, errors: list) -> Organization | None:
    try:
        pk = uuid.UUID(str(organization_id))
    except ValueError:
        pk = None
    organization = (
        Organization.objects.filter(pk=pk, is_active=True, kind__in=HELP_RECIPIENTS).first()
        if pk
        else None
    )
    if organization is None:
        errors.append(
            {"field": "organization_id", "message": "Choisissez un organisme dans la liste."}
        )
    return organization


def submit_help_request(
    *,
    organization_id,
    person: dict,
    need: str,
    situation: str,
    contact: dict,
    availability: str,
    purposes: list[str],
    client_ip: str,
) -> Receipt:
    """A request for help or an appointment to an organization, with consent per purpose."""
    errors: list[dict] = []
    organization = _help_recipient(organization_id, errors)
    errors += portal_checks.person_errors(person, allow_nir=False)
    if need not in CaseType.values:
        errors.append({"field": "need", "message": "Choisissez le type d'aide demandée."})
    situation = portal_checks.text_value(
        situation, "situation", errors, label="votre situation", limit=4000
    )
    clean_contact = portal_checks.contact_value(contact, "contact", errors)
    availability = portal_checks.text_value(
        availability, "availability", errors, label="vos disponibilités", limit=500
    )
    errors += portal.validate_purposes(portal.HELP, purposes)
    if errors:
        raise SubmissionError(errors)
    details = {
        "need": need,
        "situation": situation,
        "contact": clean_contact,
        "availability": availability,
    }
    clean = portal_checks.clean_person(person)
    with transaction.atomic():
        submission, links = create_submission(
            kind=SubmissionKind.HELP,
            organization=organization,
            person=clean,
            details=details,
            purposes=list(purposes),
            client_ip=client_ip,
        )
    notified = portal_messages.send_receipt(submission=submission, links=links)
    return Receipt(submission.reference, links, submission.pk, notified)


def withdraw(token: str, *, request_id: str = "") -> WithdrawalOutcome:
    """The person follows a withdrawal link. One neutral answer for every token that does not
    work (unknown, already used, expired): the link tells nothing about what the hub holds."""
    neutral = WithdrawalOutcome(ok=False)
    with transaction.atomic():
        consent = portal.consume_token(token)
        if consent is None:
            return neutral
        submission = PortalSubmission.objects.select_for_update().get(pk=consent.submission_id)
        actor = portal_actor(submission.organization_id)
        portal.withdraw_consent(actor=actor, consent=consent, request_id=request_id)
        registration = submission.kind == SubmissionKind.CRISIS_REGISTRATION
        if registration and submission.status == SubmissionStatus.PENDING:
            erase(submission, status=SubmissionStatus.REJECTED, outcome=WITHDRAWN_OUTCOME)
        elif registration and submission.registration_id:
            answers = registration_withdrawn.send(
                sender=PortalSubmission, submission=submission, request_id=request_id
            )
            if not any(response for _receiver, response in answers):
                raise RuntimeError("no service ended the register entry of this submission")
        log_access(
            actor=actor,
            action="withdraw",
            resource="portal_consent",
            decision="allow",
            beneficiary_id=submission.beneficiary_id,
            categories=list(consent.categories),
            purpose=consent.purpose,
            basis=Basis.LEGAL_OBLIGATION if registration else Basis.CONSENT,
            grant_id=consent.grant_id,
            request_id=request_id,
        )
        emit(
            type="portal.consent_withdrawn",
            organization_id=submission.organization_id,
            subject_id=submission.pk,
            data={
                "submission": str(submission.pk),
                "purpose": consent.purpose,
                "grant": str(consent.grant_id or ""),
            },
        )
    return WithdrawalOutcome(ok=True, purpose_label=portal.purpose_label(consent.purpose))


WITHDRAWN_OUTCOME = "Demande retirée par la personne (lien de retrait du portail citoyen)."


def erase(submission: PortalSubmission, *, status: str, outcome: str, user_id=None) -> None:
    """Close a submission that will not be confirmed: what the person typed is erased (the
    reference, dates, organization and outcome stay), its consents stand for nothing."""
    submission.person = {}
    submission.details = {}
    submission.client_ip_hash = ""
    submission.status = status
    submission.outcome = outcome
    submission.handled_at = timezone.now()
    if user_id:
        submission.handled_by_id = user_id
    submission.save(
        update_fields=[
            "person",
            "details",
            "client_ip_hash",
            "status",
            "outcome",
            "handled_at",
            "handled_by",
        ]
    )
    portal.void_consents(submission_id=submission.pk)
