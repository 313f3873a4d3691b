"""The one policy decision point: may this actor see this person's data, for this purpose?

``decide()`` answers for one person; ``visible_beneficiaries()`` is the selector every face uses
to list or fetch persons, so that a face never reads personal data outside the policy.

Rules: an organization always sees what it submitted itself (its own records and the golden
record of a person it has a record of); anything else needs an active grant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, BeneficiaryStatus, PartnerRecord


class Category:
    IDENTITY = "identity"
    CONTACT = "contact"
    SITUATION = "situation"
    SUPPORT_HISTORY = "support_history"
    HEALTH = "health"

    ALL = (IDENTITY, CONTACT, SITUATION, SUPPORT_HISTORY, HEALTH)


class Basis:
    OWN_RECORD = "own_record"
    SUPERUSER = "superuser"


@dataclass(frozen=True)
class PolicyDecision:
    allowed: bool
    basis: str = ""
    categories: frozenset = field(default_factory=frozenset)
    grant_id: object | None = None

    @property
    def decision(self) -> str:
        return "allow" if self.allowed else "deny"


DENY = PolicyDecision(allowed=False)


def own_beneficiary_ids(actor: Actor) -> QuerySet:
    return PartnerRecord.objects.filter(organization_id__in=actor.organization_ids).values(
        "beneficiary_id"
    )


def decide(
    actor: Actor, beneficiary: Beneficiary, purpose: str = "", categories=Category.ALL
) -> PolicyDecision:
    wanted = frozenset(categories)
    if actor.is_superuser:
        return PolicyDecision(True, Basis.SUPERUSER, wanted)
    if not actor.organization_ids:
        return DENY
    if PartnerRecord.objects.filter(
        organization_id__in=actor.organization_ids, beneficiary_id=beneficiary.pk
    ).exists():
        return PolicyDecision(True, Basis.OWN_RECORD, wanted)
    return DENY


def visible_beneficiaries(actor: Actor) -> QuerySet:
    """Beneficiaries the actor may know of (not yet reduced to categories: use ``decide``)."""
    base = Beneficiary.objects.exclude(status=BeneficiaryStatus.ANONYMISED)
    if actor.is_superuser:
        return base
    if not actor.organization_ids:
        return base.none()
    return base.filter(pk__in=own_beneficiary_ids(actor))
