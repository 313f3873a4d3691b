"""Cases (support given by one organization to a person) and overlap detection.

An *overlap* is an open case of the same type for the same person in another organization.
Both organizations get an ``OverlapAlert`` row and an ``case.overlap_detected`` event. What an
organization learns about its partner follows the policy: with a basis covering the person's
support history for coordination (a CASF L121-6-2 shared-secret grant, the person's consent),
it learns which partner and since when; otherwise only that an overlap exists, and a prompt to
ask the person's consent. Having submitted one's own record of the person (basis
``own_record``) is not such a basis: it covers what the organization said itself, not what a
partner does.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consent import policy
from consent.audit import log_access
from consent.policy import Category
from consent.vocab import Purpose
from exchanges.models import Case, CaseOutcome, CaseStatus, CaseType, OverlapAlert
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary

COORDINATION = Purpose.COORDINATION.value
# The purpose (consent.vocab.Purpose) a case of each type serves; grants name purposes.
PURPOSE_OF_TYPE = {
    CaseType.FOOD_AID: Purpose.FOOD_AID,
    CaseType.EMERGENCY_SHELTER: Purpose.SHELTER,
    CaseType.HOUSING: Purpose.HOUSING,
    CaseType.SOCIAL_SUPPORT: Purpose.COORDINATION,
    CaseType.PROFESSIONAL_INSERTION: Purpose.INSERTION,
    CaseType.DOMICILIATION: Purpose.COORDINATION,
    CaseType.FINANCIAL_AID: Purpose.FINANCIAL_AID,
    CaseType.BUDGET_SUPPORT: Purpose.FINANCIAL_AID,
    CaseType.HEALTH_ACCESS: Purpose.HEALTH_ACCESS,
    CaseType.RIGHTS_ACCESS: Purpose.HEALTH_ACCESS,
}
OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.SUSPENDED)
CONSENT_PROMPT = (
    "This person is already supported for this need by another partner. Ask the person to "
    "consent to coordination between partners (record it as a grant) to learn which one."
)


class CaseError(Exception):
    """Bad input for a case operation: ``field`` names the culprit."""

    def __init__(self, field: str, message: str, status: int = 400):
        self.field = field
        self.message = message
        self.status = status
        super().__init__(f"{field}: {message}")


@dataclass
class Overlap:
    exists: bool = False
    disclosed: bool = False
    partners: list = field(default_factory=list)
    advice: str = ""

    def as_dict(self) -> dict:
        out = {"exists": self.exists, "disclosed": self.disclosed}
        if self.disclosed:
            out["partners"] = self.partners
        if self.advice:
            out["advice"] = self.advice
        return out


@dataclass
class CaseResult:
    case: Case
    overlap: Overlap


def case_etag(case: Case) -> str:
    return f'"{case.id}-{case.version}"'


def actor_for_organization(organization_id) -> Actor:
    """The policy's view of an organization acting as itself (used to ask on its behalf)."""
    return Actor(organization_id=organization_id, organization_ids=(organization_id,))


def coordination_basis(actor: Actor, beneficiary: Beneficiary) -> policy.PolicyDecision:
    """May ``actor`` learn about partners' support of this person? Own records do not count:
    they cover what the organization said itself, so grants are looked at directly."""
    decision = policy.decide(
        actor, beneficiary, purpose=COORDINATION, categories=[Category.SUPPORT_HISTORY]
    )
    if decision.basis == policy.Basis.SUPERUSER:
        return decision
    if decision.allowed and decision.basis != policy.Basis.OWN_RECORD:
        return decision
    grants = policy.active_grants_for(actor).filter(beneficiary_id=beneficiary.pk)
    for grant_id, basis, purposes, categories in grants.order_by("created_at").values_list(
        "id", "basis", "purposes", "categories"
    ):
        if COORDINATION in (purposes or ()) and Category.SUPPORT_HISTORY in (categories or ()):
            return policy.PolicyDecision(
                True, basis, frozenset([Category.SUPPORT_HISTORY]), grant_id, (grant_id,)
            )
    return policy.DENY


def decide_for_type(
    actor: Actor, beneficiary: Beneficiary, case_type: str, categories=Category.ALL
) -> policy.PolicyDecision:
    """The policy's answer for the purpose of this type of support, else for coordination."""
    purposes = dict.fromkeys([PURPOSE_OF_TYPE.get(case_type, Purpose.COORDINATION), COORDINATION])
    decision = policy.DENY
    for purpose in purposes:
        decision = policy.decide(actor, beneficiary, purpose=str(purpose), categories=categories)
        if decision.allowed:
            return decision
    return decision


def visible_beneficiary(actor: Actor, beneficiary_id) -> Beneficiary | None:
    return policy.visible_beneficiaries(actor).filter(pk=beneficiary_id).first()


def own_cases(actor: Actor):
    return Case.objects.filter(organization_id__in=actor.organization_ids)


def _check_dates(start: datetime.date, end: datetime.date | None) -> None:
    if end is not None and end < start:
        raise CaseError("end_date", "must not be before start_date")


def open_case(
    *,
    actor: Actor,
    beneficiary_id,
    type: str,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    referent: str = "",
    organization_id=None,
    referral=None,
    request_id: str = "",
) -> CaseResult:
    """Open a case for the actor's organization; detects and reports overlaps."""
    organization_id = organization_id or actor.organization_id
    if organization_id not in actor.organization_ids and not actor.is_superuser:
        raise CaseError("organization", "you do not act for this organization", 403)
    if type not in CaseType.values:
        raise CaseError("type", f"unknown case type; one of: {', '.join(CaseType.values)}")
    start_date = start_date or timezone.localdate()
    _check_dates(start_date, end_date)
    beneficiary = visible_beneficiary(actor, beneficiary_id)
    decision = decide_for_type(actor, beneficiary, type) if beneficiary else policy.DENY
    if not decision.allowed:
        # Same answer for a person that does not exist and one the caller may not see.
        raise CaseError("beneficiary", "unknown beneficiary")
    with transaction.atomic():
        case = Case.objects.create(
            organization_id=organization_id,
            beneficiary=beneficiary,
            type=type,
            start_date=start_date,
            end_date=end_date,
            referent=referent,
            referral=referral,
        )
        log_access(
            actor=actor,
            action="write",
            resource="case",
            decision="allow",
            beneficiary_id=beneficiary.pk,
            categories=[Category.SUPPORT_HISTORY],
            purpose=str(PURPOSE_OF_TYPE.get(type, Purpose.COORDINATION)),
            basis=decision.basis,
            grant_id=decision.grant_id,
            request_id=request_id,
        )
        emit(
            type="case.opened",
            organization_id=organization_id,
            beneficiary_id=beneficiary.pk,
            subject_id=case.pk,
            data={"case": str(case.pk), "type": type},
        )
        overlap = detect_overlaps(actor=actor, case=case, request_id=request_id)
    return CaseResult(case=case, overlap=overlap)


def detect_overlaps(*, actor: Actor, case: Case, request_id: str = "") -> Overlap:
    """Alert both sides of every overlap of ``case``; return what the actor may be told."""
    others = list(
        Case.objects.filter(
            beneficiary_id=case.beneficiary_id, type=case.type, status__in=OPEN_STATUSES
        )
        .exclude(organization_id=case.organization_id)
        .select_related("organization")
        .order_by("start_date")
    )
    if not others:
        return Overlap()
    beneficiary = case.beneficiary
    mine = coordination_basis(actor_for_organization(case.organization_id), beneficiary)
    overlap = Overlap(exists=True, disclosed=mine.allowed)
    for other in others:
        theirs = coordination_basis(actor_for_organization(other.organization_id), beneficiary)
        for alerted, own_case, partner_case, basis in (
            (case.organization_id, case, other, mine),
            (other.organization_id, other, case, theirs),
        ):
            alert, created = OverlapAlert.objects.get_or_create(
                organization_id=alerted,
                case=own_case,
                other_case=partner_case,
                defaults={
                    "beneficiary_id": case.beneficiary_id,
                    "type": case.type,
                    "disclosed": basis.allowed,
                    "basis": basis.basis,
                },
            )
            if created:
                emit(
                    type="case.overlap_detected",
                    organization_id=alerted,
                    beneficiary_id=case.beneficiary_id,
                    subject_id=alert.pk,
                    data={
                        "alert": str(alert.pk),
                        "case": str(own_case.pk),
                        "type": case.type,
                        "disclosed": basis.allowed,
                    },
                )
        if mine.allowed:
            overlap.partners.append(
                {
                    "organization": str(other.organization_id),
                    "name": other.organization.name,
                    "since": other.start_date.isoformat(),
                }
            )
    if mine.allowed:
        log_access(
            actor=actor,
            action="read",
            resource="case_overlap",
            decision="allow",
            beneficiary_id=case.beneficiary_id,
            categories=[Category.SUPPORT_HISTORY],
            purpose=COORDINATION,
            basis=mine.basis,
            grant_id=mine.grant_id,
            request_id=request_id,
        )
    else:
        overlap.advice = CONSENT_PROMPT
    return overlap


UPDATABLE = ("status", "end_date", "start_date", "referent", "outcome")


def update_case(
    *, actor: Actor, case_id, changes: dict, precondition=None, request_id: str = ""
) -> Case:
    """Change a case of the actor's organization. ``precondition(etag)`` runs under the row lock."""
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise CaseError(unknown[0], "this field cannot be changed")
    with transaction.atomic():
        case = own_cases(actor).select_for_update().filter(pk=case_id).first()
        if case is None:
            raise Case.DoesNotExist
        if precondition is not None:
            precondition(case_etag(case))
        if "status" in changes and changes["status"] not in CaseStatus.values:
            raise CaseError("status", f"one of: {', '.join(CaseStatus.values)}")
        if changes.get("outcome") and changes["outcome"] not in CaseOutcome.values:
            raise CaseError("outcome", f"one of: {', '.join(CaseOutcome.values)}", 422)
        was_open = case.status in OPEN_STATUSES
        for name, value in changes.items():
            setattr(case, name, value)
        if "outcome" in changes:
            if case.outcome and case.status != CaseStatus.CLOSED:
                raise CaseError("outcome", "only a closed case has an outcome", 422)
            case.outcome_at = timezone.now() if case.outcome else None
        if case.status == CaseStatus.CLOSED and case.end_date is None:
            case.end_date = max(timezone.localdate(), case.start_date)
        _check_dates(case.start_date, case.end_date)
        case.version += 1
        case.save()
        log_access(
            actor=actor,
            action="write",
            resource="case",
            decision="allow",
            beneficiary_id=case.beneficiary_id,
            categories=[Category.SUPPORT_HISTORY],
            purpose=str(PURPOSE_OF_TYPE.get(case.type, Purpose.COORDINATION)),
            basis="own_case",
            request_id=request_id,
        )
        closed = was_open and case.status == CaseStatus.CLOSED
        emit(
            type="case.closed" if closed else "case.updated",
            organization_id=case.organization_id,
            beneficiary_id=case.beneficiary_id,
            subject_id=case.pk,
            data={
                "case": str(case.pk),
                "version": case.version,
                "status": case.status,
                **({"outcome": case.outcome} if case.outcome else {}),
            },
        )
        if closed:
            OverlapAlert.objects.filter(
                Q(case=case) | Q(other_case=case), resolved_at__isnull=True
            ).update(resolved_at=timezone.now())
        elif not was_open and case.status in OPEN_STATUSES:
            detect_overlaps(actor=actor, case=case, request_id=request_id)
    return case
