"""Who may take the calls of an activation, and which calls each one sees: the commune's agents
and clients (all of them), the campaign's named callers (the calls they took or hold), and the
home-visit services of the intervention group while the plan is open (visit steps only)."""

from __future__ import annotations

from django.db.models import Q

from crisis import call_entries, grants
from crisis.errors import NotFound
from crisis.models import Activation, Call, CampaignCaller
from crisis.vocab import Step
from hub.registry.actors import Actor
from hub.registry.models import Role

MANAGERS = frozenset({Role.CRISIS_AGENT, Role.COORDINATOR, Role.ADMIN})


def managed_activation(actor: Actor, activation_id) -> Activation:
    """The activation of one of ``actor``'s organizations (404 otherwise)."""
    rows = Activation.objects.filter(pk=activation_id)
    if not actor.is_superuser:
        rows = rows.filter(organization_id__in=actor.organization_ids)
    activation = rows.first()
    if activation is None:
        raise NotFound(activation_id)
    return activation


# Steps the services of the intervention group (home visits) take while the plan is open.
VISIT_STEPS = (Step.VISIT, Step.ESCALATION)


def intervening(actor: Actor, activation: Activation) -> bool:
    """``actor`` is a home-visit service of the open plan's intervention group."""
    return (
        not actor.is_superuser
        and activation.organization_id not in actor.organization_ids
        and activation.is_open
        and grants.intervenes(actor, activation.organization)
    )


def may_call(actor: Actor, activation: Activation) -> bool:
    """Superusers, the commune's clients and agents, the campaign's named callers, and the
    home-visit services of the intervention group while the plan is open (visit steps only)."""
    if actor.is_superuser:
        return True
    if activation.organization_id not in actor.organization_ids:
        return intervening(actor, activation)
    if actor.client_id or MANAGERS.intersection(actor.roles):
        return True
    return CampaignCaller.objects.filter(activation=activation, user_id=actor.user_id).exists()


def activation_for_intervention(actor: Actor, activation_id) -> Activation | None:
    """An open activation whose intervention group names the actor (home-visit services)."""
    activation = Activation.objects.select_related("organization").filter(pk=activation_id).first()
    if activation is None or not intervening(actor, activation):
        return None
    return activation


def activations_for_caller(actor: Actor):
    """Open activations whose calls ``actor`` may take."""
    rows = Activation.objects.filter(closed_at__isnull=True)
    if actor.is_superuser:
        return rows
    rows = rows.filter(organization_id__in=actor.organization_ids)
    if actor.client_id or MANAGERS.intersection(actor.roles):
        return rows
    return rows.filter(callers__user_id=actor.user_id)


def _sees_all(actor: Actor, activation: Activation) -> bool:
    if actor.is_superuser:
        return True
    if activation.organization_id not in actor.organization_ids:
        return False
    return bool(actor.client_id or MANAGERS.intersection(actor.roles))


def calls_for(actor: Actor, activation: Activation):
    """The written calls of an activation ``actor`` may see: all of them for the commune's
    agents and clients; for a volunteer, those they took (``assigned_to``) or hold."""
    calls = Call.objects.filter(activation=activation)
    if intervening(actor, activation):
        return calls.filter(status="pending", step__in=VISIT_STEPS)
    if not actor.is_superuser and activation.organization_id not in actor.organization_ids:
        return calls.none()
    if _sees_all(actor, activation):
        return calls
    return calls.filter(Q(assigned_to_id=actor.user_id) | Q(claim_holder=actor.label))


def listed_calls(actor: Actor, activation: Activation, start: int, count: int) -> list[Call]:
    """Up to ``count`` calls ``actor`` may see, in rank order from rank ``start``, with their
    registration: the whole list for the commune's agents and clients (entries not written yet
    as unsaved calls, see ``crisis.call_entries``), the rows of ``calls_for`` for others."""
    if _sees_all(actor, activation) and not intervening(actor, activation):
        return call_entries.page(activation, start, count)
    rows = calls_for(actor, activation).select_related("registration").filter(rank__gte=start)
    return list(rows.order_by("rank")[:count])
