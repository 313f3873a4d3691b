"""The one policy decision point: may this actor see this person's data, for this purpose?

``decide()`` answers for one person, ``decide_many()`` for a list in two queries, and
``visible_beneficiaries()`` is the selector every face uses to list or fetch persons, so that a
face never reads personal data outside the policy.

Rules:
- an organization always sees what it submitted itself (a person it holds a record of);
- anything else needs an active grant naming one of the actor's organizations, a coordination
  group one of them belongs to, or their kind of organization;
- the answer is reduced to the categories the grants cover for the purpose asked. A purpose
  from the controlled list (``consent.vocab.Purpose``) only matches grants given for it; an
  operational purpose named by a face (``referral``, ``case_management``...) or none matches
  every active grant (the operation is not a purpose of processing);
- withdrawal and expiry are read from timestamps at decision time: they take effect on the
  very next request, with no job in between;
- an anonymised person is never disclosed.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from consent.models import CoordinationGroup, Grant, GranteeType
from consent.vocab import BASIS_PRIORITY, EXCLUSIVE_PURPOSES, Basis, Category, Purpose
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, BeneficiaryStatus, Organization, PartnerRecord

__all__ = [
    "DENY",
    "Basis",
    "Category",
    "PolicyDecision",
    "decide",
    "decide_many",
    "visible_beneficiaries",
]


@dataclass(frozen=True)
class PolicyDecision:
    allowed: bool
    basis: str = ""
    categories: frozenset = field(default_factory=frozenset)
    grant_id: object | None = None
    # Every grant that contributed categories (``grant_id`` is the main one).
    grant_ids: tuple = ()

    @property
    def decision(self) -> str:
        return "allow" if self.allowed else "deny"


DENY = PolicyDecision(allowed=False)
PURPOSES = frozenset(Purpose.values)


def own_beneficiary_ids(actor: Actor) -> QuerySet:
    """Persons the actor holds a record of. A record whose data the organization erased (right
    to erasure) no longer counts: it is an empty shell kept for the references to it."""
    return (
        PartnerRecord.objects.filter(organization_id__in=actor.organization_ids)
        .exclude(payload={})
        .values("beneficiary_id")
    )


def own_person_q(actor: Actor) -> Q:
    """Beneficiaries the actor holds a record of, directly or through a person merged into them
    (two levels, as ``gate.views`` reads them): after a merge the survivor is found in lists as
    its page shows it."""
    own = own_beneficiary_ids(actor)
    merged_once = Beneficiary.objects.filter(pk__in=own, merged_into__isnull=False)
    return (
        Q(pk__in=own)
        | Q(pk__in=merged_once.values("merged_into_id"))
        | Q(
            pk__in=Beneficiary.objects.filter(
                pk__in=merged_once.values("merged_into_id"), merged_into__isnull=False
            ).values("merged_into_id")
        )
    )


def grantee_q(actor: Actor) -> Q:
    """Grants naming one of the actor's organizations, one of their groups, or their kind."""
    orgs = actor.organization_ids
    groups = CoordinationGroup.members.through.objects.filter(
        organization_id__in=orgs, coordinationgroup__is_active=True
    ).values("coordinationgroup_id")
    kinds = Organization.objects.filter(pk__in=orgs).values("kind")
    return (
        Q(grantee_type=GranteeType.ORGANIZATION, grantee_organization_id__in=orgs)
        | Q(grantee_type=GranteeType.GROUP, grantee_group_id__in=groups)
        | Q(grantee_type=GranteeType.KIND, grantee_kind__in=kinds)
    )


def active_grants_for(actor: Actor, now=None) -> QuerySet:
    return Grant.objects.active(now).filter(grantee_q(actor))


def combine(rows: Iterable[tuple], purpose: str, wanted: frozenset) -> PolicyDecision:
    """Fold the actor's active grants for one person, as (id, basis, purposes, categories)
    rows, into one decision."""
    if purpose not in PURPOSES:
        purpose = ""
    covered: set[str] = set()
    best = None  # (number of categories, -priority, grant id, basis)
    used = []
    for grant_id, basis, purposes, categories in rows:
        if purpose and purpose not in (purposes or ()):
            continue
        if not purpose and purposes and EXCLUSIVE_PURPOSES.issuperset(purposes):
            continue  # a grant bound to an exclusive purpose only answers that purpose
        granted = wanted.intersection(categories or ())
        if not granted:
            continue
        covered |= granted
        used.append(grant_id)
        rank = (len(granted), -BASIS_PRIORITY.get(basis, 99))
        if best is None or rank > best[0]:
            best = (rank, grant_id, basis)
    if best is None:
        return DENY
    return PolicyDecision(True, best[2], frozenset(covered), best[1], tuple(sorted(used, key=str)))


def as_uuid(value) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def grant_rows(actor: Actor, beneficiary_ids, now, *, checked_status: bool = False):
    grants = active_grants_for(actor, now).filter(beneficiary_id__in=beneficiary_ids)
    if not checked_status:
        grants = grants.exclude(beneficiary__status=BeneficiaryStatus.ANONYMISED)
    return grants.values_list("beneficiary_id", "id", "basis", "purposes", "categories")


def decide(
    actor: Actor, beneficiary: Beneficiary, purpose: str = "", categories=Category.ALL
) -> PolicyDecision:
    """Allow or deny ``actor`` the ``categories`` of ``beneficiary`` (an object or its id)."""
    wanted = frozenset(categories)
    if actor.is_superuser:
        return PolicyDecision(True, Basis.SUPERUSER, wanted)
    if not actor.organization_ids or beneficiary is None:
        return DENY
    pk = getattr(beneficiary, "pk", beneficiary)
    if getattr(beneficiary, "status", None) == BeneficiaryStatus.ANONYMISED:
        return DENY
    if (
        PartnerRecord.objects.filter(organization_id__in=actor.organization_ids, beneficiary_id=pk)
        .exclude(beneficiary__status=BeneficiaryStatus.ANONYMISED)
        .exists()
    ):
        return PolicyDecision(True, Basis.OWN_RECORD, wanted)
    return decide_by_grants(actor, pk, purpose, wanted)


def decide_by_grants(
    actor: Actor, beneficiary_id, purpose: str, wanted: frozenset, *, checked_status=False
):
    """The grant half of ``decide`` (for callers that already know there is no own record;
    ``checked_status``: they also know the person is not anonymised)."""
    rows = [
        row[1:]
        for row in grant_rows(
            actor, [beneficiary_id], timezone.now(), checked_status=checked_status
        )
    ]
    return combine(rows, purpose, frozenset(wanted))


def decide_many(
    actor: Actor, beneficiary_ids: Iterable, purpose: str = "", categories=Category.ALL
) -> dict:
    """``decide`` for many persons in two queries: ``{beneficiary_id: PolicyDecision}``.

    Keys are ``uuid.UUID`` (ids given as strings are converted; malformed ones are left out).
    Every well-formed id asked for is in the answer (``DENY`` when not visible).
    """
    wanted = frozenset(categories)
    ids = list(dict.fromkeys(filter(None, map(as_uuid, beneficiary_ids))))
    if actor.is_superuser:
        return dict.fromkeys(ids, PolicyDecision(True, Basis.SUPERUSER, wanted))
    answer = dict.fromkeys(ids, DENY)
    if not actor.organization_ids or not ids:
        return answer
    own = set(
        PartnerRecord.objects.filter(
            organization_id__in=actor.organization_ids, beneficiary_id__in=ids
        )
        .exclude(beneficiary__status=BeneficiaryStatus.ANONYMISED)
        .values_list("beneficiary_id", flat=True)
    )
    own_decision = PolicyDecision(True, Basis.OWN_RECORD, wanted)
    for pk in own:
        answer[pk] = own_decision
    rest = [pk for pk in ids if pk not in own]
    if rest:
        grouped = defaultdict(list)
        for row in grant_rows(actor, rest, timezone.now()):
            grouped[row[0]].append(row[1:])
        for pk, rows in grouped.items():
            answer[pk] = combine(rows, purpose, wanted)
    return answer


def visible_beneficiaries(actor: Actor) -> QuerySet:
    """Beneficiaries the actor may know of (not yet reduced to categories: use ``decide``)."""
    base = Beneficiary.objects.exclude(status=BeneficiaryStatus.ANONYMISED)
    if actor.is_superuser:
        return base
    if not actor.organization_ids:
        return base.none()
    granted = (
        active_grants_for(actor)
        .exclude(purposes__in=[[purpose] for purpose in sorted(EXCLUSIVE_PURPOSES)])
        .values("beneficiary_id")
    )
    return base.filter(own_person_q(actor) | Q(pk__in=granted))
