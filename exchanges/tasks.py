"""Celery entry points: they take ids, call a service, and are safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from exchanges import feed, imports, jobs, referrals, relay, sending, submission_queue, webhooks
from hub.api.models import purge_expired_keys

KICK_KEY = "passerelle:relay:kick"
REKICK_KEY = "passerelle:relay:rekick"


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def relay_outbox(sweep: bool = True) -> int:
    """Fan new outbox events out to webhook endpoints; with ``sweep`` (beat), also (re)queue
    deliveries that are due for a retry or were lost with a worker or the broker.

    With the dispatcher (``WEBHOOKS_DELIVERY=dispatcher``) it only fans out: the dispatcher
    claims and sends due deliveries itself."""
    if settings.WEBHOOKS_DELIVERY == "dispatcher":
        relay.relay(queue=False)
        return 0
    cache.delete(KICK_KEY)  # commits from now on queue a new run
    ids = relay.relay() + (webhooks.due_deliveries() if sweep else [])
    for delivery_id in dict.fromkeys(ids):
        deliver_webhook.delay(delivery_id)
    # Events waiting for an older transaction to end: look again shortly rather than at the
    # next beat tick (at most one such follow-up in flight).
    if (
        not settings.CELERY_TASK_ALWAYS_EAGER
        and relay.held_back()
        and cache.add(REKICK_KEY, 1, timeout=1)
    ):
        relay_outbox.apply_async(kwargs={"sweep": False}, countdown=0.2)
    return len(ids)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_webhook(delivery_id: int) -> str:
    return sending.deliver(delivery_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_import(job_id: str) -> str:
    return imports.run_job(job_id=job_id)


@shared_task(ignore_result=True)
def sweep_imports() -> int:
    """Beat: queue again the imports whose message was lost or whose worker died."""
    taken = jobs.stale_imports()
    for job_id in taken:
        run_import.delay(str(job_id))
    return len(taken)


@shared_task(ignore_result=True)
def remind_referrals() -> int:
    return referrals.remind_unanswered()


@shared_task(ignore_result=True)
def prune_events() -> int:
    return feed.prune_events()


@shared_task(ignore_result=True)
def purge_idempotency_keys() -> int:
    return purge_expired_keys()


def kick_relay(**_kwargs) -> None:
    """After a commit that emitted events (``hub.outbox.emit.events_committed``), queue one
    relay run unless one is already queued and not started (shared cache): under load many
    commits share a run. If the broker is down the kick fails quietly: the relay also runs from
    Celery beat, reading the outbox, so no event is lost. With the dispatcher there is no
    kick: ``exchanges.dispatcher.notify_committed`` wakes it."""
    if settings.WEBHOOKS_DELIVERY != "dispatcher" and cache.add(KICK_KEY, 1, timeout=5):
        relay_outbox.delay(sweep=False)


@shared_task(ignore_result=True)
def close_stale_portal_submissions() -> int:
    """Erase what citizens typed in submissions nobody handled within PORTAL_PENDING_DAYS."""
    return submission_queue.close_stale()
