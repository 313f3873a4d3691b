"""Celery entry points: they take ids, call a service, and are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from exchanges import feed, imports, referrals, relay, webhooks
from exchanges.idempotency import purge_expired_keys


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def relay_outbox() -> int:
    """Fan new outbox events out to webhook endpoints and (re)queue due deliveries."""
    ids = relay.relay() + webhooks.due_deliveries()
    for delivery_id in dict.fromkeys(ids):
        deliver_webhook.delay(delivery_id)
    return len(ids)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_webhook(delivery_id: int) -> str:
    return webhooks.deliver(delivery_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_import(job_id: str) -> str:
    return imports.run_job(job_id=job_id)


@shared_task(ignore_result=True)
def remind_referrals() -> int:
    return referrals.remind_unanswered()


@shared_task(ignore_result=True)
def prune_events() -> int:
    return feed.prune_events()


@shared_task(ignore_result=True)
def purge_idempotency_keys() -> int:
    return purge_expired_keys()
