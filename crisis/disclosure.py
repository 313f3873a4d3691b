"""Reading the register: the entries an actor keeps (``register_of``), and the one gate through
which a person of the register is read (``disclose``): the plan d'alerte et d'urgence only, on
the entry's own legal-obligation grant, each entry asked for an access-log row; and the pending
third-party requests for the agents who must acknowledge them (``disclose_requests``)."""

from __future__ import annotations

from consent import policy
from consent.audit import log_access
from consent.vocab import Basis, Purpose
from crisis import grants
from crisis.errors import PurposeRefused
from crisis.models import Registration
from crisis.register import RESOURCE
from crisis.vocab import RegistrationStatus
from hub.registry.actors import Actor


def register_of(actor: Actor):
    """Entries of the registers the actor keeps (metadata; read persons through ``disclose``)."""
    rows = Registration.objects.all()
    if actor.is_superuser:
        return rows
    return rows.filter(organization_id__in=actor.organization_ids)


def disclose(
    *, actor: Actor, registrations, purpose: str, request_id: str = "", action: str = "read"
) -> list[Registration]:
    """The entries the policy lets ``actor`` read, for the plan d'alerte et d'urgence only.

    Any other purpose is refused (``PurposeRefused``). Each entry asked for leaves an access-log
    row, allowed or denied; a pending or ended entry rests on no grant and is never disclosed.
    """
    if purpose != Purpose.CRISIS_PLAN:
        raise PurposeRefused(purpose)
    registrations = list(registrations)
    if not registrations:
        return []
    decisions = policy.decide_many(
        actor,
        [r.beneficiary_id for r in registrations],
        purpose=Purpose.CRISIS_PLAN,
        categories=grants.REGISTER_CATEGORIES,
    )
    shown = []
    for registration in registrations:
        decision = decisions.get(registration.beneficiary_id, policy.DENY)
        if decision.basis == Basis.OWN_RECORD:
            # The commune's own file of the person is not the register: the entry needs its grant.
            decision = policy.decide_by_grants(
                actor, registration.beneficiary_id, Purpose.CRISIS_PLAN, grants.REGISTER_CATEGORIES
            )
        # Own-record or superuser bases are not enough: the entry must rest on its own grant.
        allowed = (
            decision.allowed
            and registration.status == RegistrationStatus.ACTIVE
            and (actor.is_superuser or decision.basis == Basis.LEGAL_OBLIGATION)
        )
        log_access(
            actor=actor,
            action=action,
            resource=RESOURCE,
            decision="allow" if allowed else "deny",
            beneficiary_id=registration.beneficiary_id,
            categories=sorted(decision.categories if allowed else grants.REGISTER_CATEGORIES),
            purpose=Purpose.CRISIS_PLAN,
            basis=decision.basis if allowed else "",
            grant_id=decision.grant_id if allowed else None,
            request_id=request_id,
        )
        if allowed:
            shown.append(registration)
    return shown


REQUEST_HANDLERS = frozenset({"crisis_agent", "admin"})


def disclose_requests(*, actor: Actor, registrations, request_id: str = "") -> list[Registration]:
    """Pending third-party requests, for the agents named by the mayor who must acknowledge
    them (the request itself is the basis: CASF R121-3). Logged like any read."""
    if not (actor.is_superuser or REQUEST_HANDLERS.intersection(actor.roles)):
        return []
    shown = [
        r
        for r in registrations
        if r.status == RegistrationStatus.PENDING
        and (actor.is_superuser or r.organization_id in actor.organization_ids)
    ]
    for registration in shown:
        log_access(
            actor=actor,
            action="read",
            resource="crisis_request",
            decision="allow",
            beneficiary_id=registration.beneficiary_id,
            categories=sorted(grants.REGISTER_CATEGORIES),
            purpose=Purpose.CRISIS_PLAN,
            basis=Basis.LEGAL_OBLIGATION,
            request_id=request_id,
        )
    return shown
