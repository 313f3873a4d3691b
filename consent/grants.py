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
from consent.grant_rules import validate_grant
from consent.ledger import append_grant_event, grant_snapshot
from consent.models import CoordinationGroup, Grant, GrantEvent
from consent.vocab import (
    Basis,
    EvidenceMethod,
    GranteeType,
    GrantEventKind,
)
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, BeneficiaryStatus, Organization


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
