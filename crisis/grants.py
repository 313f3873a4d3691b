"""The register's legal bases, recorded in consent's ledger.

Every active entry rests on two grants, both with basis ``legal_obligation`` and the single
purpose ``crisis_plan`` (an exclusive purpose: ``consent.policy`` matches no other purpose to
them, not even an operational one):

* the register itself, to the commune (identity, contact, situation);
* the intervention while the plan is triggered (CASF R121-8): to the commune's intervention group
  (``consent.CoordinationGroup``: the préfecture, the services coordinating home visits). The
  group is active only while an activation of the commune is open, and the policy only counts
  active groups, so these grants disclose nothing between two plans.

Ending the entry withdraws both grants.
"""

from __future__ import annotations

from django.utils import timezone

from consent.audit import log_access
from consent.grants import withdraw_grant
from consent.ledger import append_grant_event, grant_snapshot
from consent.models import CoordinationGroup, Grant
from consent.vocab import Basis, Category, EvidenceMethod, GranteeType, GrantEventKind, Purpose
from crisis.vocab import INTERVENTION_REFERENCE, LEGAL_REFERENCE
from hub.registry.actors import Actor
from hub.registry.models import Organization

REGISTER_CATEGORIES = (Category.IDENTITY, Category.CONTACT, Category.SITUATION)
INTERVENTION_CATEGORIES = (Category.IDENTITY, Category.CONTACT, Category.SITUATION)


def group_name(organization: Organization) -> str:
    return f"Plan d'alerte et d'urgence — {organization.name}"[:200]


def intervenes(actor: Actor, organization: Organization) -> bool:
    """Whether one of the actor's organizations is named in the commune's intervention group
    while it is active (an activation is open)."""
    return CoordinationGroup.objects.filter(
        name=group_name(organization), is_active=True, members__in=actor.organization_ids
    ).exists()


def intervention_group(organization: Organization, *, lock: bool = False) -> CoordinationGroup:
    """The commune's intervention group (created inactive the first time)."""
    name = group_name(organization)
    group, _created = CoordinationGroup.objects.get_or_create(
        name=name,
        defaults={
            "coordinator_name": f"Maire — {organization.name}"[:200],
            "coordinator_organization": organization,
            "designation": INTERVENTION_REFERENCE[:300],
            "is_active": False,
        },
    )
    if lock:
        group = CoordinationGroup.objects.select_for_update().get(pk=group.pk)
    return group


def _record(*, actor: Actor, registration, request_id: str, **grantee) -> Grant:
    grant = Grant(
        beneficiary_id=registration.beneficiary_id,
        basis=Basis.LEGAL_OBLIGATION,
        granted_by_id=registration.organization_id,
        purposes=[Purpose.CRISIS_PLAN],
        valid_from=timezone.now(),
        evidence_method=EvidenceMethod.LEGAL_TEXT,
        collected_by_user_id=actor.user_id,
        **grantee,
    )
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
        beneficiary_id=registration.beneficiary_id,
        categories=grant.categories,
        purpose=Purpose.CRISIS_PLAN,
        basis=Basis.LEGAL_OBLIGATION,
        grant_id=grant.pk,
        request_id=request_id,
    )
    return grant


def record_register_grants(*, actor: Actor, registration, request_id: str = "") -> None:
    """Both grants of an entry that becomes active (inside the caller's transaction)."""
    organization = registration.organization
    registration.grant = _record(
        actor=actor,
        registration=registration,
        request_id=request_id,
        legal_reference=LEGAL_REFERENCE,
        grantee_type=GranteeType.ORGANIZATION,
        grantee_organization=organization,
        categories=sorted(REGISTER_CATEGORIES),
    )
    registration.intervention_grant = _record(
        actor=actor,
        registration=registration,
        request_id=request_id,
        legal_reference=INTERVENTION_REFERENCE[:300],
        grantee_type=GranteeType.GROUP,
        grantee_group=intervention_group(organization),
        categories=sorted(INTERVENTION_CATEGORIES),
    )


def end_register_grants(*, actor: Actor, registration, reason: str, request_id: str = "") -> None:
    for grant_id in (registration.grant_id, registration.intervention_grant_id):
        if grant_id:
            withdraw_grant(actor=actor, grant_id=grant_id, reason=reason, request_id=request_id)
