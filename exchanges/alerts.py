"""Handling an overlap alert: a social worker of the alerted organization, or a coordinator of
its territory, records what was done (who, when, the outcome in words).

One transaction: the alert row (a conditional update: an alert is handled once), its
access-log row and the outbox event ``case.overlap_handled``. The outcome text is free text
written by a professional about the coordination, not about the person's data; it is shown
to those who see the alert.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consent.audit import log_access
from consent.policy import Category
from exchanges.cases import COORDINATION, CaseError
from exchanges.models import OverlapAlert
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from hub.registry.territories import territory_organization_ids

OUTCOME_MAX = 2000


class AlertAlreadyHandled(Exception):
    """The alert was handled already (by whom and when is on the alert)."""


def alerts_for(actor: Actor):
    """Alerts of the actor's organizations and, for a coordinator, of the organizations of the
    territory they coordinate."""
    if actor.is_superuser:
        return OverlapAlert.objects.all()
    orgs = [*actor.organization_ids, *territory_organization_ids(actor.user_id)]
    return OverlapAlert.objects.filter(Q(organization_id__in=orgs))


def handle_alert(*, actor: Actor, alert_id, outcome: str, request_id: str = "") -> OverlapAlert:
    """Record the handling of an alert. Raises ``OverlapAlert.DoesNotExist`` for an alert the
    actor may not see, ``CaseError('outcome')`` for an empty or too long outcome and
    ``AlertAlreadyHandled`` when it was handled already."""
    outcome = (outcome or "").strip()
    if not outcome:
        raise CaseError("outcome", "describe what was done")
    if len(outcome) > OUTCOME_MAX:
        raise CaseError("outcome", f"at most {OUTCOME_MAX} characters")
    with transaction.atomic():
        alert = alerts_for(actor).select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise OverlapAlert.DoesNotExist
        if alert.handled_at is not None:
            raise AlertAlreadyHandled
        alert.handled_at = timezone.now()
        alert.handled_by_id = actor.user_id
        alert.handling_outcome = outcome
        alert.save(update_fields=["handled_at", "handled_by", "handling_outcome"])
        log_access(
            actor=actor,
            action="write",
            resource="overlap_alert",
            decision="allow",
            beneficiary_id=alert.beneficiary_id,
            categories=[Category.SUPPORT_HISTORY],
            purpose=COORDINATION,
            basis="own_case"
            if alert.organization_id in actor.organization_ids
            else "territory_coordination",
            request_id=request_id,
        )
        emit(
            type="case.overlap_handled",
            organization_id=alert.organization_id,
            beneficiary_id=alert.beneficiary_id,
            subject_id=alert.pk,
            data={"alert": str(alert.pk), "type": alert.type},
        )
    return alert
