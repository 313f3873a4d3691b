"""Reads of personal data through the policy, each leaving its access-log row.

A face asks ``disclose_beneficiary`` for a person: it gets the row and the decision (allow,
with the categories it may show) or nothing (deny). Both outcomes are logged in the caller's
transaction, so the face must not roll it back on a deny: it answers 404 without raising.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from consent import policy
from consent.audit import log_access
from consent.policy import DENY, PolicyDecision
from consent.vocab import Basis, Category
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, BeneficiaryStatus, PartnerRecord


@dataclass(frozen=True)
class Disclosure:
    beneficiary: Beneficiary | None
    decision: PolicyDecision

    @property
    def allowed(self) -> bool:
        return self.decision.allowed and self.beneficiary is not None


def _fetch_sql() -> str:
    from consent.models import CoordinationGroup, Grant
    from hub.registry.models import Organization

    members = CoordinationGroup.members.through._meta.db_table
    return f"""
SELECT b.*,
  EXISTS (SELECT 1 FROM {PartnerRecord._meta.db_table} r
          WHERE r.beneficiary_id = b.id AND r.organization_id = ANY(%(orgs)s)) AS _own,
  ARRAY(
    SELECT json_build_object('id', g.id, 'basis', g.basis,
                             'purposes', g.purposes, 'categories', g.categories)::text
    FROM {Grant._meta.db_table} g
    WHERE g.beneficiary_id = b.id
      AND g.withdrawn_at IS NULL AND g.valid_from <= %(now)s
      AND (g.valid_until IS NULL OR g.valid_until > %(now)s)
      AND ((g.grantee_type = 'organization' AND g.grantee_organization_id = ANY(%(orgs)s))
        OR (g.grantee_type = 'group' AND g.grantee_group_id IN (
              SELECT m.coordinationgroup_id FROM {members} m
              JOIN {CoordinationGroup._meta.db_table} cg ON cg.id = m.coordinationgroup_id
              WHERE cg.is_active AND m.organization_id = ANY(%(orgs)s)))
        OR (g.grantee_type = 'kind' AND g.grantee_kind IN (
              SELECT o.kind FROM {Organization._meta.db_table} o WHERE o.id = ANY(%(orgs)s))))
  ) AS _grants
FROM {Beneficiary._meta.db_table} b
WHERE b.id = %(id)s AND b.status <> %(anonymised)s
"""  # noqa: S608 (table names from model metadata; values are parameters)


_FETCH = None


def _fetch_with_grants(actor: Actor, beneficiary_id) -> Beneficiary | None:
    global _FETCH
    if _FETCH is None:
        _FETCH = _fetch_sql()
    try:
        pk = (
            beneficiary_id
            if isinstance(beneficiary_id, uuid.UUID)
            else uuid.UUID(str(beneficiary_id))
        )
    except ValueError:
        return None
    params = {
        "orgs": [uuid.UUID(str(org)) for org in actor.organization_ids],
        "now": timezone.now(),
        "id": pk,
        "anonymised": BeneficiaryStatus.ANONYMISED,
    }
    return next(iter(Beneficiary.objects.raw(_FETCH, params)), None)


def _grant_rows(raw_grants) -> list[tuple]:
    rows = []
    for item in raw_grants or ():
        grant = json.loads(item) if isinstance(item, str) else item
        rows.append(
            (uuid.UUID(grant["id"]), grant["basis"], grant["purposes"], grant["categories"])
        )
    return rows


def disclose_beneficiary(
    *,
    actor: Actor,
    beneficiary_id,
    purpose: str = "",
    categories=Category.ALL,
    request_id: str = "",
    action: str = "read",
    resource: str = "beneficiary",
) -> Disclosure:
    """Fetch a person for ``actor`` through the policy and log the access (allow or deny).

    On PostgreSQL the person, the own-record check and the actor's active grants come in one
    statement (``_FETCH_SQL``, the same rules as ``consent.policy``, which the property test
    holds to the same oracle on both databases); elsewhere the own-record check rides on the
    fetch and grants are read only when the actor holds no record of the person.
    """
    wanted = frozenset(categories)
    beneficiary = None
    decision = DENY
    if actor.is_superuser:
        beneficiary = (
            Beneficiary.objects.filter(pk=beneficiary_id)
            .exclude(status=BeneficiaryStatus.ANONYMISED)
            .first()
        )
        if beneficiary is not None:
            decision = PolicyDecision(True, Basis.SUPERUSER, wanted)
    elif actor.organization_ids and connection.vendor == "postgresql":
        beneficiary = _fetch_with_grants(actor, beneficiary_id)
        if beneficiary is not None:
            if beneficiary._own:
                decision = PolicyDecision(True, Basis.OWN_RECORD, wanted)
            else:
                decision = policy.combine(_grant_rows(beneficiary._grants), purpose, wanted)
    elif actor.organization_ids:
        beneficiary = (
            Beneficiary.objects.filter(pk=beneficiary_id)
            .exclude(status=BeneficiaryStatus.ANONYMISED)
            .annotate(
                _own=Exists(
                    PartnerRecord.objects.filter(
                        beneficiary_id=OuterRef("pk"),
                        organization_id__in=actor.organization_ids,
                    )
                )
            )
            .first()
        )
        if beneficiary is not None:
            if beneficiary._own:
                decision = PolicyDecision(True, Basis.OWN_RECORD, wanted)
            else:
                decision = policy.decide_by_grants(
                    actor, beneficiary.pk, purpose, wanted, checked_status=True
                )
    log_access(
        actor=actor,
        action=action,
        resource=resource,
        decision=decision.decision,
        beneficiary_id=beneficiary_id,
        categories=decision.categories if decision.allowed else wanted,
        purpose=purpose,
        basis=decision.basis,
        grant_id=decision.grant_id,
        request_id=request_id,
    )
    return Disclosure(beneficiary if decision.allowed else None, decision)
