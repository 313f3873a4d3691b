"""The disclosure gate: the only way a face reads a person.

Given the caller (a partner client or a user, as an ``Actor``) and a purpose, the gate answers
which persons the caller may see (``visible``, ``identifiable``), what it may see of each
(``views``: a ``PersonView`` with the golden record computed *for this viewer*) and a masked
label for the rest. ``disclose`` fetches one person and writes its access-log row; ``log``
writes the rows of a page of persons that a face displays.

What a viewer sees of a person:

* the values it supplied itself, in its own partner records (the own-record basis covers the
  organization's *own* record, nothing more);
* values other partners supplied, only in the categories an active grant to the viewer covers
  (identity, contact...), for the purpose asked;
* nothing else: a field supplied only by others answers exactly like an empty field, so no
  face (detail page, list, search, filter, match explanation) tells a value apart from its
  absence.

Superusers (the hub's technical operators) see the golden record as stored.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from consent import fetch, policy
from consent.audit import log_access, log_accesses
from consent.policy import DENY, PolicyDecision
from consent.vocab import EXCLUSIVE_PURPOSES, Basis, Category
from hub.registry.actors import Actor
from hub.registry.golden import FIELD_CATEGORY, GOLDEN_FIELDS, survive
from hub.registry.models import Beneficiary, BeneficiaryStatus, PartnerRecord

__all__ = [
    "PersonView",
    "masked_label",
    "visible",
    "identifiable",
    "granted_ids",
    "views",
    "disclose",
    "log",
    "log_own",
    "reveal_for",
    "knew_before",
    "own_record_q",
]


def masked_label(beneficiary_id) -> str:
    """How a person whose identity the viewer may not see is named on every face."""
    return _("Personne n° %(ref)s (identité non communiquée)") % {
        "ref": str(beneficiary_id).split("-")[0].upper()
    }


@dataclass(frozen=True)
class PersonView:
    """One person as one viewer may see them."""

    id: uuid.UUID
    decision: PolicyDecision
    own: bool = False
    granted: frozenset = frozenset()
    fields: dict = field(default_factory=dict)
    status: str = ""
    merged_into_id: uuid.UUID | None = None

    @property
    def allowed(self) -> bool:
        return self.decision.allowed

    def sees_others(self, category: str) -> bool:
        """Data other partners supplied in ``category`` is disclosed to this viewer."""
        return self.decision.basis == Basis.SUPERUSER or category in self.granted

    @property
    def categories(self) -> frozenset:
        """Categories in which the viewer sees something (own data counts)."""
        if self.own or self.decision.basis == Basis.SUPERUSER:
            return frozenset(Category.ALL)
        return self.granted

    @property
    def knows_identity(self) -> bool:
        return any(self.fields.get(name) for name in ("birth_name", "usage_name", "first_names"))

    @property
    def label(self) -> str:
        if not self.knows_identity:
            return masked_label(self.id)
        surname = self.fields.get("usage_name") or self.fields.get("birth_name") or ""
        return " ".join(part for part in (surname.upper(), self.fields.get("first_names")) if part)

    def value(self, name: str) -> str:
        return self.fields.get(name, "")


def own_record_q(actor: Actor, prefix: str = "") -> Q:
    """The caller's own records that still hold data (an erased record grants nothing)."""
    return Q(**{f"{prefix}organization_id__in": actor.organization_ids}) & ~Q(
        **{f"{prefix}payload": {}}
    )


def visible(actor: Actor) -> QuerySet:
    """Persons the caller may know of (own record or any active grant)."""
    return policy.visible_beneficiaries(actor)


def granted_ids(actor: Actor, category: str, purpose: str = "") -> QuerySet:
    """Ids of persons an active grant to the caller discloses ``category`` of."""
    grants = policy.active_grants_for(actor).exclude(
        beneficiary__status=BeneficiaryStatus.ANONYMISED
    )
    purpose = purpose if purpose in policy.PURPOSES else ""

    def answers(purposes) -> bool:
        if purpose:
            return purpose in purposes
        # A grant bound to an exclusive purpose (the crisis register) answers only that one.
        return not (purposes and EXCLUSIVE_PURPOSES.issuperset(purposes))

    ids = [
        row[0]
        for row in grants.values_list("beneficiary_id", "purposes", "categories")
        if category in (row[2] or ()) and answers(row[1] or ())
    ]
    return Beneficiary.objects.filter(pk__in=ids).values("pk")


def identifiable(actor: Actor) -> QuerySet:
    """Persons whose identity the caller may see: its own, and those an identity grant covers.
    Search, filters and autocompletes work on these only."""
    base = Beneficiary.objects.exclude(status=BeneficiaryStatus.ANONYMISED)
    if actor.is_superuser:
        return base
    if not actor.organization_ids:
        return base.none()
    return base.filter(policy.own_person_q(actor) | Q(pk__in=granted_ids(actor, Category.IDENTITY)))


def _own_records(actor: Actor, ids) -> dict:
    """The viewer's own records of each person (including persons merged into it, three levels
    deep), grouped by the person asked for."""
    ids = list(ids)
    if not ids or not actor.organization_ids:
        return {}
    rows = (
        PartnerRecord.objects.filter(own_record_q(actor))
        .filter(
            Q(beneficiary_id__in=ids)
            | Q(beneficiary__merged_into_id__in=ids)
            | Q(beneficiary__merged_into__merged_into_id__in=ids)
        )
        .select_related("organization", "beneficiary__merged_into")
    )
    wanted = set(ids)
    grouped = defaultdict(list)
    for record in rows:
        owner = record.beneficiary
        while owner.pk not in wanted and owner.merged_into_id:
            owner = owner.merged_into
        grouped[owner.pk].append(record)
    return grouped


def _view(
    beneficiary: Beneficiary, decision: PolicyDecision, granted: frozenset, own_records: list
) -> PersonView:
    if decision.basis == Basis.SUPERUSER:
        values = {name: getattr(beneficiary, name) for name in GOLDEN_FIELDS}
        return PersonView(
            beneficiary.pk,
            decision,
            granted=frozenset(Category.ALL),
            fields=values,
            status=beneficiary.status,
            merged_into_id=beneficiary.merged_into_id,
        )
    own = bool(own_records)
    mine = survive(own_records) if own else {}
    values = {}
    for name in GOLDEN_FIELDS:
        if FIELD_CATEGORY[name] in granted:
            values[name] = getattr(beneficiary, name)
        else:
            values[name] = mine.get(name, "")
    return PersonView(
        beneficiary.pk,
        decision,
        own=own,
        granted=granted,
        fields=values,
        status=beneficiary.status,
        merged_into_id=beneficiary.merged_into_id,
    )


def _grant_decisions(actor: Actor, ids, purpose: str) -> dict:
    """Decisions from grants alone (the own-record basis is handled by the view itself)."""
    if not ids:
        return {}
    grouped = defaultdict(list)
    for row in policy.grant_rows(actor, ids, timezone.now()):
        grouped[row[0]].append(row[1:])
    return {
        pk: policy.combine(rows, purpose, frozenset(Category.ALL)) for pk, rows in grouped.items()
    }


def _decide(actor_has_own: bool, by_grant: PolicyDecision) -> PolicyDecision | None:
    if actor_has_own:
        return PolicyDecision(
            True, Basis.OWN_RECORD, frozenset(Category.ALL), by_grant.grant_id, by_grant.grant_ids
        )
    return by_grant if by_grant.allowed else None


def _one_view(actor: Actor, pk, purpose: str) -> PersonView | None:
    if not actor.organization_ids:
        return None
    found = fetch.person_for(actor, pk)
    if found is None:
        return None
    beneficiary, own_records, grant_rows = found
    by_grant = policy.combine(grant_rows, purpose, frozenset(Category.ALL)) if grant_rows else DENY
    decision = _decide(bool(own_records), by_grant)
    if decision is None:
        return None
    return _view(beneficiary, decision, by_grant.categories, own_records)


def views(actor: Actor, ids, *, purpose: str = "") -> dict:
    """``{id: PersonView}`` for the persons the caller may see among ``ids`` (others left
    out), in three queries whatever the number of persons."""
    ids = list(dict.fromkeys(filter(None, map(policy.as_uuid, ids))))
    if not ids or not (actor.is_superuser or actor.organization_ids):
        return {}
    persons = Beneficiary.objects.exclude(status=BeneficiaryStatus.ANONYMISED).in_bulk(ids)
    if actor.is_superuser:
        decision = PolicyDecision(True, Basis.SUPERUSER, frozenset(Category.ALL))
        return {pk: _view(b, decision, decision.categories, []) for pk, b in persons.items()}
    mine = _own_records(actor, persons)
    granted = _grant_decisions(actor, list(persons), purpose)
    answer = {}
    for pk, beneficiary in persons.items():
        by_grant = granted.get(pk, DENY)
        if mine.get(pk):
            decision = PolicyDecision(
                True,
                Basis.OWN_RECORD,
                frozenset(Category.ALL),
                by_grant.grant_id,
                by_grant.grant_ids,
            )
        elif by_grant.allowed:
            decision = by_grant
        else:
            continue
        answer[pk] = _view(beneficiary, decision, by_grant.categories, mine.get(pk, []))
    return answer


def log(
    actor: Actor,
    person_views,
    *,
    action: str = "read",
    resource: str,
    purpose: str = "",
    request_id: str = "",
) -> None:
    """One access-log row per displayed person (``person_views``: PersonView objects), appended
    in one multi-row statement for the whole page."""
    log_accesses(
        {
            "actor": actor,
            "action": action,
            "resource": resource,
            "decision": "allow",
            "beneficiary_id": view.id,
            "categories": sorted(view.categories),
            "purpose": purpose,
            "basis": view.decision.basis,
            "grant_id": view.decision.grant_id,
            "request_id": request_id,
        }
        for view in person_views
    )


def log_own(actor: Actor, objects, *, resource: str, request_id: str = "", categories=()) -> None:
    """Consultation of the caller's own data about persons (its records, cases, referrals):
    one access-log row per person shown, basis own record (the CNIL asks for these too)."""
    seen = set()
    entries = []
    for obj in objects or ():
        pk = getattr(obj, "beneficiary_id", None)
        if pk is None or pk in seen:
            continue
        seen.add(pk)
        entries.append(
            {
                "actor": actor,
                "action": "read",
                "resource": resource,
                "decision": "allow",
                "beneficiary_id": pk,
                "categories": sorted(categories),
                "basis": Basis.OWN_RECORD,
                "request_id": request_id,
            }
        )
    log_accesses(entries)


def disclose(
    *,
    actor: Actor,
    beneficiary_id,
    purpose: str = "",
    request_id: str = "",
    action: str = "read",
    resource: str = "beneficiary",
) -> PersonView | None:
    """One person for the caller, with its access-log row (allow or deny). ``None`` when the
    caller may not see them (the face answers exactly as for a missing person)."""
    pk = policy.as_uuid(beneficiary_id)
    if pk is not None and connection.vendor == "postgresql" and not actor.is_superuser:
        view = _one_view(actor, pk, purpose)  # one statement instead of three
    else:
        view = views(actor, [pk], purpose=purpose).get(pk) if pk else None
    log_access(
        actor=actor,
        action=action,
        resource=resource,
        decision="allow" if view else "deny",
        beneficiary_id=beneficiary_id if policy.as_uuid(beneficiary_id) else None,
        categories=sorted(view.categories) if view else [],
        purpose=purpose,
        basis=view.decision.basis if view else "",
        grant_id=view.decision.grant_id if view else None,
        request_id=request_id,
    )
    return view


def knew_before(actor: Actor, beneficiary_id, *, record_id) -> bool:
    """Could the caller see this person before its record ``record_id`` was linked to them
    (another own record of the cluster, or an active grant)? Linking discloses nothing by
    itself: a face tells the caller about the link only when this is true."""
    if actor.is_superuser:
        return True
    ids = [beneficiary_id]
    frontier = ids
    while frontier:  # the person and everyone merged into them
        frontier = list(
            Beneficiary.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)
        )
        ids.extend(frontier)
    own = (
        PartnerRecord.objects.filter(own_record_q(actor), beneficiary_id__in=ids)
        .exclude(pk=record_id)
        .exists()
    )
    return own or policy.active_grants_for(actor).filter(beneficiary_id__in=ids).exists()


def reveal_for(actor: Actor, beneficiary_ids, *, purpose: str = ""):
    """For the matching engine: ``reveal(organization_id, beneficiary_id)`` → the categories
    of that record the caller may compare against (all for its own records, the granted ones
    for others'), ``frozenset()`` for none."""
    everything = frozenset(Category.ALL)
    if actor.is_superuser:
        return lambda _org, _pk: everything
    decisions = _grant_decisions(actor, list(beneficiary_ids), purpose)
    orgs = set(actor.organization_ids)

    def reveal(organization_id, beneficiary_id) -> frozenset:
        if organization_id in orgs:
            return everything
        return decisions.get(beneficiary_id, DENY).categories

    return reveal
