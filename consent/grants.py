"""Services that record, withdraw and review grants, each with its ledger event and audit row."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consent import policy
from consent.audit import log_access
from consent.errors import InvalidGrant, NotAllowed, NotVisible
from consent.ledger import append_grant_event, grant_snapshot
from consent.models import CoordinationGroup, Grant, GrantEvent
from consent.vocab import (
    GRANT_BASES,
    SENSITIVE_BASES,
    Basis,
    Category,
    EvidenceMethod,
    FamilyInformation,
    GranteeType,
    GrantEventKind,
    Purpose,
)
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, BeneficiaryStatus, Organization, OrganizationKind

PUBLIC_BODIES = frozenset(
    {
        OrganizationKind.COMMUNE,
        OrganizationKind.CCAS,
        OrganizationKind.CIAS,
        OrganizationKind.DEPARTEMENT,
    }
)
# Consent under GDPR art. 9.2.a must be explicit: a trace the person can be shown.
EXPLICIT_METHODS = frozenset({EvidenceMethod.WRITTEN, EvidenceMethod.ELECTRONIC})


def _may_record_for(actor: Actor, beneficiary_id) -> Beneficiary:
    """The person, if ``actor`` holds its own record of them (or is a superuser)."""
    beneficiary = (
        Beneficiary.objects.filter(pk=beneficiary_id)
        .exclude(status=BeneficiaryStatus.ANONYMISED)
        .first()
    )
    if beneficiary is None:
        raise NotVisible(beneficiary_id)
    decision = policy.decide(actor, beneficiary)
    if not decision.allowed:
        raise NotVisible(beneficiary_id)
    if decision.basis not in (policy.Basis.OWN_RECORD, policy.Basis.SUPERUSER):
        raise NotAllowed(
            "only an organization holding its own record of this person may record a grant"
        )
    return beneficiary


def validate_grant(
    *,
    basis: str,
    grantee_type: str,
    grantee_organization: Organization | None,
    grantee_group: CoordinationGroup | None,
    grantee_kind: str,
    purposes: list[str],
    categories: list[str],
    valid_from: dt.datetime,
    valid_until: dt.datetime | None,
    evidence_method: str,
    collected_by_name: str,
    collected_by_user_id,
    family_information: str,
    family_information_note: str,
    legal_reference: str,
    now: dt.datetime,
) -> list[dict]:
    """Every rule a grant must meet, as ``[{"field", "message"}]`` (empty when valid)."""
    errors: list[dict] = []

    def err(name, message):
        errors.append({"field": name, "message": message})

    if basis not in GRANT_BASES:
        err("basis", f"unknown legal basis {basis!r}; one of: {', '.join(GRANT_BASES)}")
    if grantee_type == GranteeType.ORGANIZATION:
        if grantee_organization is None:
            err("grantee.organization", "an organization grantee needs an existing organization")
    elif grantee_type == GranteeType.GROUP:
        if grantee_group is None:
            err("grantee.group", "a group grantee needs an existing coordination group")
        elif not grantee_group.is_active:
            err("grantee.group", "this coordination group is closed")
    elif grantee_type == GranteeType.KIND:
        if grantee_kind not in OrganizationKind.values:
            err("grantee.kind", f"one of: {', '.join(OrganizationKind.values)}")
    else:
        err("grantee.type", f"one of: {', '.join(GranteeType.values)}")

    if not purposes:
        err("purposes", "at least one purpose is required")
    for index, purpose in enumerate(purposes):
        if purpose not in Purpose.values:
            err(f"purposes[{index}]", f"unknown purpose {purpose!r}")
    if not categories:
        err("categories", "at least one data category is required")
    for index, category in enumerate(categories):
        if category not in Category.ALL:
            err(f"categories[{index}]", f"unknown data category {category!r}")

    if valid_until is not None and valid_until <= valid_from:
        err("valid_until", "the end of the period must come after its start")
    elif valid_until is not None and valid_until <= now:
        err("valid_until", "the period is already over")

    sensitive = Category.SENSITIVE.intersection(categories)
    if sensitive and basis not in SENSITIVE_BASES:
        err(
            "categories",
            "health and disability data (GDPR art. 9) need consent, vital interest, "
            "shared secret or child protection",
        )

    if basis == Basis.CONSENT:
        if evidence_method not in (
            EvidenceMethod.WRITTEN,
            EvidenceMethod.ORAL,
            EvidenceMethod.ELECTRONIC,
        ):
            err("evidence.method", "consent is collected in writing, orally or electronically")
        elif sensitive and evidence_method not in EXPLICIT_METHODS:
            err("evidence.method", "consent to health data must be explicit: written or electronic")
        if not collected_by_name.strip() and not collected_by_user_id:
            err("evidence.collected_by", "name the professional who collected the consent")
    elif evidence_method not in EvidenceMethod.values:
        err("evidence.method", f"one of: {', '.join(EvidenceMethod.values)}")

    if basis == Basis.PUBLIC_INTEREST:
        kind = grantee_organization.kind if grantee_organization else grantee_kind
        if grantee_type == GranteeType.GROUP or (kind and kind not in PUBLIC_BODIES):
            err(
                "grantee",
                "a public-interest mission is held by a public body (commune, CCAS, CIAS, département)",
            )
        if not legal_reference.strip():
            err("legal_reference", "name the mission (text or deliberation)")
    if basis == Basis.LEGAL_OBLIGATION and not legal_reference.strip():
        err("legal_reference", "name the legal obligation")
    if basis == Basis.SHARED_SECRET and grantee_type != GranteeType.GROUP:
        err("grantee.type", "the shared secret (CASF L121-6-2) applies inside a coordination group")
    if basis == Basis.CHILD_PROTECTION:
        if family_information not in (
            FamilyInformation.INFORMED,
            FamilyInformation.NOT_INFORMED_CHILD_INTEREST,
        ):
            err(
                "family_information",
                "record whether the family was informed beforehand (CASF L226-2-2)",
            )
        elif (
            family_information == FamilyInformation.NOT_INFORMED_CHILD_INTEREST
            and not family_information_note.strip()
        ):
            err(
                "family_information_note",
                "explain why informing the family is against the child's interest",
            )
    elif family_information:
        err("family_information", "only for child protection (CASF L226-2-2)")
    if basis == Basis.VITAL_INTEREST:
        limit = valid_from + dt.timedelta(hours=settings.CONSENT_VITAL_INTEREST_HOURS)
        if valid_until is not None and valid_until > limit:
            err(
                "valid_until",
                f"a vital-interest disclosure lasts at most {settings.CONSENT_VITAL_INTEREST_HOURS} hours",
            )
    return errors


@transaction.atomic
def record_grant(
    *,
    actor: Actor,
    beneficiary_id,
    basis: str,
    grantee_type: str,
    grantee_organization_id=None,
    grantee_group_id=None,
    grantee_kind: str = "",
    purposes: list[str],
    categories: list[str],
    valid_from: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
    evidence_method: str = "",
    collected_by_name: str = "",
    collected_by_user_id=None,
    evidence_document=None,
    legal_reference: str = "",
    family_information: str = "",
    family_information_note: str = "",
    request_id: str = "",
) -> Grant:
    """Record why ``grantee`` may see ``categories`` of a person for ``purposes``.

    The actor must hold its own record of the person (it is the organization that collected
    the consent or invokes the basis). Consent without an end date lasts
    ``CONSENT_DEFAULT_DAYS``; a vital-interest disclosure lasts at most
    ``CONSENT_VITAL_INTEREST_HOURS`` and is due for review when it ends.
    """
    beneficiary = _may_record_for(actor, beneficiary_id)
    now = timezone.now()
    valid_from = valid_from or now
    purposes = sorted(dict.fromkeys(purposes))
    categories = sorted(dict.fromkeys(categories))
    if basis == Basis.CONSENT and valid_until is None:
        valid_until = valid_from + dt.timedelta(days=settings.CONSENT_DEFAULT_DAYS)
    if basis == Basis.VITAL_INTEREST and valid_until is None:
        valid_until = valid_from + dt.timedelta(hours=settings.CONSENT_VITAL_INTEREST_HOURS)
    if not evidence_method and basis not in (Basis.CONSENT,):
        evidence_method = EvidenceMethod.LEGAL_TEXT
    grantee_organization = (
        Organization.objects.filter(pk=grantee_organization_id, is_active=True).first()
        if grantee_organization_id and grantee_type == GranteeType.ORGANIZATION
        else None
    )
    grantee_group = (
        CoordinationGroup.objects.filter(pk=grantee_group_id).first()
        if grantee_group_id and grantee_type == GranteeType.GROUP
        else None
    )
    errors = validate_grant(
        basis=basis,
        grantee_type=grantee_type,
        grantee_organization=grantee_organization,
        grantee_group=grantee_group,
        grantee_kind=grantee_kind if grantee_type == GranteeType.KIND else "",
        purposes=purposes,
        categories=categories,
        valid_from=valid_from,
        valid_until=valid_until,
        evidence_method=evidence_method,
        collected_by_name=collected_by_name,
        collected_by_user_id=collected_by_user_id,
        family_information=family_information,
        family_information_note=family_information_note,
        legal_reference=legal_reference,
        now=now,
    )
    if errors:
        raise InvalidGrant(errors)
    grant = Grant(
        beneficiary=beneficiary,
        basis=basis,
        legal_reference=legal_reference.strip(),
        grantee_type=grantee_type,
        grantee_organization=grantee_organization,
        grantee_group=grantee_group,
        grantee_kind=grantee_kind if grantee_type == GranteeType.KIND else "",
        granted_by_id=actor.organization_id,
        purposes=purposes,
        categories=categories,
        valid_from=valid_from,
        valid_until=valid_until,
        evidence_method=evidence_method,
        collected_by_name=collected_by_name.strip(),
        collected_by_user_id=collected_by_user_id,
        family_information=family_information,
        family_information_note=family_information_note.strip(),
        review_due_at=valid_until if basis == Basis.VITAL_INTEREST else None,
    )
    if evidence_document:
        grant.evidence_document = evidence_document
    grant.save(force_insert=True)
    append_grant_event(
        grant=grant,
        kind=GrantEventKind.CREATED,
        actor=actor,
        data=grant_snapshot(grant),
        request_id=request_id,
    )
    log_access(
        actor=actor,
        action="write",
        resource="grant",
        decision="allow",
        beneficiary_id=beneficiary.pk,
        categories=categories,
        purpose=purposes[0],
        basis=basis,
        grant_id=grant.pk,
        request_id=request_id,
    )
    _emit(grant, "grant.recorded", actor)
    return grant


def _emit(grant: Grant, type: str, actor: Actor | None, data: dict | None = None) -> None:
    """Tell the grantor and the grantee (their feeds and webhooks). The event names the grant,
    not the person: a grantee that may no longer see the person still learns of the withdrawal,
    and learns nothing more."""
    parties = [grant.granted_by_id]
    if grant.grantee_type == GranteeType.ORGANIZATION and grant.grantee_organization_id:
        parties.append(grant.grantee_organization_id)
    origin = actor.organization_id if actor and actor.organization_id else grant.granted_by_id
    body = {"grant": str(grant.pk), "basis": grant.basis, **(data or {})}
    for party in dict.fromkeys(parties):
        emit(
            type=type,
            organization_id=origin,
            recipient_organization_id=party if party != origin else None,
            subject_id=grant.pk,
            data=body,
        )


def visible_grants(actor: Actor):
    """Grants the actor may see: those one of its organizations recorded, and those naming it
    (its organization, a coordination group it belongs to, or its kind). Holding a record of
    the person is not enough: who else the person is known to is others' data."""
    grants = Grant.objects.exclude(beneficiary__status=BeneficiaryStatus.ANONYMISED)
    if actor.is_superuser:
        return grants
    if not actor.organization_ids:
        return grants.none()
    return grants.filter(Q(granted_by_id__in=actor.organization_ids) | policy.grantee_q(actor))


def _grant_for_change(actor: Actor, grant_id) -> Grant:
    """A grant the actor may withdraw or review: one it may see (``visible_grants``)."""
    grant = visible_grants(actor).select_for_update(of=("self",)).filter(pk=grant_id).first()
    if grant is None:
        raise NotVisible(grant_id)
    return grant


@transaction.atomic
def withdraw_grant(*, actor: Actor, grant_id, reason: str = "", request_id: str = "") -> Grant:
    """Withdraw a grant from now on. Withdrawing a withdrawn grant changes nothing.

    The grantor withdraws its own grants. A grantee may record a withdrawal the person
    expressed to it: the reason (what the person said, when, to whom) is then required, and the
    grantor and grantee are both told through their feeds; nothing is applied silently.
    """
    grant = _grant_for_change(actor, grant_id)
    if grant.withdrawn_at is not None:
        return grant
    by_grantor = actor.is_superuser or grant.granted_by_id in actor.organization_ids
    if not by_grantor and not reason.strip():
        raise InvalidGrant(
            [
                {
                    "field": "reason",
                    "message": "a grantee recording the person's withdrawal must say how the "
                    "person expressed it",
                }
            ]
        )
    grant.withdrawn_at = timezone.now()
    grant.withdrawal_reason = reason.strip()
    grant.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    data = {
        "withdrawn_at": grant.withdrawn_at.isoformat(),
        "reason": grant.withdrawal_reason,
        "recorded_by": str(actor.organization_id or ""),
    }
    append_grant_event(
        grant=grant, kind=GrantEventKind.WITHDRAWN, actor=actor, data=data, request_id=request_id
    )
    log_access(
        actor=actor,
        action="write",
        resource="grant",
        decision="allow",
        beneficiary_id=grant.beneficiary_id,
        purpose="withdrawal",
        basis=grant.basis,
        grant_id=grant.pk,
        request_id=request_id,
    )
    _emit(grant, "grant.withdrawn", actor, {"by_grantor": by_grantor})
    return grant


@transaction.atomic
def review_grant(*, actor: Actor, grant_id, note: str, request_id: str = "") -> Grant:
    """Record the after-the-fact review of a grant (always due for vital interest)."""
    if not note.strip():
        raise InvalidGrant([{"field": "review_note", "message": "the review needs a conclusion"}])
    grant = _grant_for_change(actor, grant_id)
    grant.reviewed_at = timezone.now()
    grant.review_note = note.strip()
    grant.save(update_fields=["reviewed_at", "review_note"])
    append_grant_event(
        grant=grant,
        kind=GrantEventKind.REVIEWED,
        actor=actor,
        data={"reviewed_at": grant.reviewed_at.isoformat(), "note": grant.review_note},
        request_id=request_id,
    )
    return grant


def grants_visible_to(actor: Actor, beneficiary_id):
    """The grants of a person the actor may list (``visible_grants``), with the policy's
    decision about the person; ``None`` when the person is not visible at all."""
    decision = policy.decide(actor, beneficiary_id)
    if not decision.allowed:
        return None, decision
    return visible_grants(actor).filter(beneficiary_id=beneficiary_id), decision


@transaction.atomic
def announce_expired_grants(*, now=None) -> int:
    """Record in the ledger, and tell grantor and grantee, each grant whose period has ended
    (beat). Expiry itself needs no job: the policy reads it from the timestamps."""
    now = now or timezone.now()
    announced = GrantEvent.objects.filter(kind=GrantEventKind.EXPIRED).values("grant_id")
    due = (
        Grant.objects.filter(valid_until__lte=now, withdrawn_at__isnull=True)
        .exclude(pk__in=announced)
        .select_for_update(skip_locked=True)
        .order_by("valid_until")[:500]
    )
    count = 0
    for grant in due:
        operator = Actor(organization_id=None)
        append_grant_event(
            grant=grant,
            kind=GrantEventKind.EXPIRED,
            actor=operator,
            data={"valid_until": grant.valid_until.isoformat()},
        )
        _emit(grant, "grant.expired", None)
        count += 1
    return count
