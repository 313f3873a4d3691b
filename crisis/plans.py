"""Trigger and close the plan d'alerte et d'urgence.

An activation is opened and closed with a reason by a named user (admin) or a partner client
(API, scope ``crisis:activate``). Opening one activates the commune's intervention group (the
préfecture and home-visit services then see the register, for this purpose only) and queues the
call list; closing the last open one deactivates the group. Every change emits an event that is
``shared`` with nobody but is readable by the commune and by the members of its intervention
group through the feed and webhooks (``recipient`` events, one per member), so partners and the
hypervisor learn at once. Events carry no personal data.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from consent.audit import log_access
from crisis import grants
from crisis.errors import CrisisError, NotFound
from crisis.models import Activation
from crisis.register import REGISTER_HOLDERS
from crisis.tasks import build_call_list
from crisis.vocab import Level, Plan
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from hub.registry.models import Organization


def _validate(plan, level, reason) -> list[dict]:
    errors = []
    if plan not in Plan.values:
        errors.append({"field": "plan", "message": f"one of: {', '.join(Plan.values)}"})
    if level not in Level.values:
        errors.append({"field": "level", "message": f"one of: {', '.join(Level.values)}"})
    if not isinstance(reason, str) or not reason.strip():
        errors.append({"field": "reason", "message": "say why the plan is triggered"})
    elif len(reason) > 500:
        errors.append({"field": "reason", "message": "at most 500 characters"})
    return errors


def _announce(activation: Activation, type: str) -> None:
    data = {
        "activation": str(activation.pk),
        "plan": activation.plan,
        "level": activation.level,
        "open": activation.is_open,
    }
    emit(type=type, organization_id=activation.organization_id, subject_id=activation.pk, data=data)
    group = grants.intervention_group(activation.organization)
    for member_id in group.members.values_list("pk", flat=True):
        if member_id != activation.organization_id:
            emit(
                type=type,
                organization_id=activation.organization_id,
                recipient_organization_id=member_id,
                subject_id=activation.pk,
                data=data,
            )


def _audit(actor: Actor, activation: Activation, action: str, request_id: str) -> None:
    log_access(
        actor=actor,
        action=action,
        resource="crisis_activation",
        decision="allow",
        purpose="crisis_plan",
        request_id=request_id,
    )


def activate(
    *, actor: Actor, plan: str, level: str, reason: str, request_id: str = ""
) -> Activation:
    errors = _validate(plan, level, reason)
    if errors:
        raise CrisisError(errors)
    organization = Organization.objects.filter(pk=actor.organization_id, is_active=True).first()
    if organization is None or organization.kind not in REGISTER_HOLDERS:
        raise CrisisError(
            "only a commune (or its CCAS/CIAS) triggers its plan", status=403, field="organization"
        )
    with transaction.atomic():
        group = grants.intervention_group(organization, lock=True)
        try:
            with transaction.atomic():
                activation = Activation.objects.create(
                    organization=organization,
                    plan=plan,
                    level=level,
                    reason=reason.strip(),
                    opened_at=timezone.now(),
                    opened_by_id=actor.user_id,
                    opened_by_client_id=actor.client_id,
                )
        except IntegrityError:
            raise CrisisError(
                "this plan is already triggered: close it or change its level",
                status=409,
                field="plan",
            ) from None
        if not group.is_active:
            group.is_active = True
            group.save(update_fields=["is_active"])
        _audit(actor, activation, "activate", request_id)
        _announce(activation, "crisis.activated")
        transaction.on_commit(lambda: build_call_list.delay(str(activation.pk)))
    return activation


def activations_of(actor: Actor):
    rows = Activation.objects.select_related("organization")
    if actor.is_superuser:
        return rows
    return rows.filter(organization_id__in=actor.organization_ids)


@transaction.atomic
def close(*, actor: Actor, activation_id, reason: str, request_id: str = "") -> Activation:
    if not isinstance(reason, str) or not reason.strip():
        raise CrisisError("say why the plan ends", field="reason")
    activation = (
        activations_of(actor).select_for_update(of=("self",)).filter(pk=activation_id).first()
    )
    if activation is None:
        raise NotFound(activation_id)
    if not activation.is_open:
        raise CrisisError("this activation is already closed", status=409, field="activation")
    group = grants.intervention_group(activation.organization, lock=True)
    activation.closed_at = timezone.now()
    activation.closed_by_id = actor.user_id
    activation.closed_by_client_id = actor.client_id
    activation.close_reason = reason.strip()[:500]
    activation.save()
    still_open = Activation.objects.filter(
        organization_id=activation.organization_id, closed_at__isnull=True
    ).exists()
    if not still_open and group.is_active:
        group.is_active = False
        group.save(update_fields=["is_active"])
    # Calls still held by someone are released; nobody takes a call of a closed plan.
    activation.calls.update(claim_holder="", claimed_by=None, claim_expires_at=None)
    _audit(actor, activation, "close", request_id)
    _announce(activation, "crisis.closed")
    return activation
