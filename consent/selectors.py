"""Reads of personal data through the policy, each leaving its access-log row.

A face asks ``disclose_beneficiary`` for a person: it gets the row and the decision (allow,
with the categories it may show) or nothing (deny). Both outcomes are logged in the caller's
transaction, so the face must not roll it back on a deny: it answers 404 without raising.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Exists, OuterRef
from django.db.models.functions import JSONObject

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

    The own-record check rides on the fetch (one query); grants are read only when the actor
    holds no record of the person (one more query).
    """
    wanted = frozenset(categories)
    beneficiary = None
    decision = DENY
    inline_grants = connection.vendor == "postgresql"
    if actor.is_superuser or actor.organization_ids:
        queryset = (
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
        )
        if inline_grants:
            # On PostgreSQL the actor's active grants ride on the same query (one round trip).
            queryset = queryset.annotate(
                _grants=ArraySubquery(
                    policy.active_grants_for(actor)
                    .filter(beneficiary_id=OuterRef("pk"))
                    .values(
                        row=JSONObject(
                            id="id", basis="basis", purposes="purposes", categories="categories"
                        )
                    )
                )
            )
        beneficiary = queryset.first()
    if beneficiary is not None:
        if actor.is_superuser:
            decision = PolicyDecision(True, Basis.SUPERUSER, wanted)
        elif beneficiary._own:
            decision = PolicyDecision(True, Basis.OWN_RECORD, wanted)
        elif inline_grants:
            rows = [
                (uuid.UUID(g["id"]), g["basis"], g["purposes"], g["categories"])
                for g in beneficiary._grants
            ]
            decision = policy.combine(rows, purpose, wanted)
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
