"""Celery entry points of the crisis plans: they take ids, call a service, are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from crisis import alerts, call_list
from crisis.models import Activation


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def build_call_list(activation_id: str) -> int:
    created = call_list.build_call_list(activation_id=activation_id)
    alerts.send_activation_alerts(activation_id=activation_id)
    return created


@shared_task(ignore_result=True)
def sweep_activations() -> int:
    """Beat: an open activation whose call list was never written (a lost message, a worker
    gone) gets it now."""
    count = 0
    for activation_id in Activation.objects.filter(
        closed_at__isnull=True, calls_built_at__isnull=True
    ).values_list("pk", flat=True):
        build_call_list.delay(str(activation_id))
        count += 1
    return count
