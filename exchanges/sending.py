"""Webhook delivery: claim a delivery row, POST it signed, record the outcome, retry.

Delivery is at least once: a delivery row per (endpoint, event) is claimed with a conditional
UPDATE (a lease), sent, and marked; a sender killed mid-send leaves the claim to expire and
the row is claimed again (same ``webhook-id``). Two senders share this module: the dispatcher
(``exchanges.dispatcher``, batch claims, the default on PostgreSQL) and a Celery task per
delivery (``deliver``, the embedded default). Retries follow ``RETRY_SCHEDULE`` (about three
days) with ±20 % jitter; when an endpoint answers again its waiting retries become due at once
(``catch_up``). A 410 answer disables the endpoint. The request goes to the address that was
checked at resolution (``exchanges.transport``). Endpoints, signatures and fan-out live in
``exchanges.webhooks``.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from exchanges import feed
from exchanges.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from exchanges.transport import SESSIONS, WebhookError, check_target
from exchanges.webhooks import client_actor, payload, signature_headers

# Delay before attempt n+1 after the n-th failure (Standard Webhooks style, ~3 days in total).
RETRY_SCHEDULE = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
]
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1


# --- Delivery ---------------------------------------------------------------------------------


@contextmanager
def _bookkeeping():
    """A transaction for delivery status rows that does not wait for its WAL flush: losing one
    such update in a database crash only means one more delivery with the same webhook-id."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        yield


def claim(delivery_id: int, now=None) -> bool:
    """Conditional UPDATE: go on only if this worker changed exactly one row."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.WEBHOOKS_TIMEOUT_SECONDS + 10)
    with _bookkeeping():
        changed = (
            WebhookDelivery.objects.filter(pk=delivery_id)
            .filter(
                Q(status=DeliveryStatus.PENDING)
                | Q(status=DeliveryStatus.SENDING, claimed_at__lte=now - lease)
            )
            .update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        )
    return changed == 1


def deliver(delivery_id: int) -> str:
    """Send one delivery (Celery path). Safe to run twice: a second run finds it claimed or done."""
    if not claim(delivery_id):
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    endpoint, event = delivery.endpoint, delivery.event
    if not endpoint.is_active:
        return finish(delivery, DeliveryStatus.FAILED, error="endpoint disabled")
    # The policy is applied again at send time: access may have been withdrawn since.
    if not feed.visible_events(client_actor(endpoint), [event]):
        return finish(delivery, DeliveryStatus.SKIPPED, error="no longer visible to the client")
    return send(delivery)


def send(delivery: WebhookDelivery, *, catch_up_on_success: bool = True) -> str:
    """POST a claimed delivery (endpoint and event loaded, policy checked) and record the
    outcome. A success makes the endpoint's waiting retries due now (it answers again)."""
    outcome = attempt(delivery)
    record([outcome])
    if outcome.status == DeliveryStatus.SUCCEEDED and catch_up_on_success:
        catch_up(endpoint_id=outcome.endpoint_id)
    return "retry" if outcome.status == DeliveryStatus.PENDING else outcome.status


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to; ``record`` writes a batch of them in one statement."""

    delivery_id: int
    endpoint_id: object
    status: str
    code: int | None = None
    error: str = ""
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None


def _retry_outcome(delivery: WebhookDelivery, *, code=None, error: str = "") -> Outcome:
    delay = retry_delay(delivery.attempts)  # ``attempts`` counts this one (claimed before)
    if delay is None:
        return Outcome(delivery.pk, delivery.endpoint_id, DeliveryStatus.FAILED, code, error)
    return Outcome(
        delivery.pk,
        delivery.endpoint_id,
        DeliveryStatus.PENDING,
        code,
        error,
        next_attempt_at=timezone.now() + delay,
    )


def attempt(delivery: WebhookDelivery) -> Outcome:
    """POST a claimed delivery and say what came of it, without writing it (but a 410 disables
    the endpoint at once)."""
    endpoint, event = delivery.endpoint, delivery.event
    try:
        address = check_target(endpoint.url)
    except WebhookError as exc:
        return _retry_outcome(delivery, error=exc.message)
    body = payload(event)
    headers = signature_headers(endpoint, delivery.msg_id, body)
    try:
        response = SESSIONS.post(
            endpoint.url,
            address,
            body=body,
            headers=headers,
            timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        return _retry_outcome(delivery, error=type(exc).__name__)
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(
            delivery.pk, endpoint.pk, DeliveryStatus.SUCCEEDED, code, delivered_at=timezone.now()
        )
    if code == 410:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            is_active=False, disabled_reason="410 Gone answered by the receiver"
        )
        return Outcome(delivery.pk, endpoint.pk, DeliveryStatus.FAILED, 410, "endpoint gone")
    return _retry_outcome(delivery, code=code, error=f"HTTP {code}")


_RECORD_SQL = """
UPDATE {table} AS d SET status = v.status, last_status_code = v.code, last_error = v.error,
       next_attempt_at = v.next_at, delivered_at = v.delivered_at, queued_at = NULL
FROM (VALUES {rows}) AS v(id, status, code, error, next_at, delivered_at)
WHERE d.id = v.id AND d.status = 'sending'
"""
_RECORD_ROW = "(%s::bigint, %s, %s::integer, %s, %s::timestamptz, %s::timestamptz)"


def record(outcomes: list[Outcome]) -> None:
    """Write outcomes: on PostgreSQL one UPDATE for the whole batch, without waiting for its WAL
    flush (``_bookkeeping``). Only rows still being sent are written."""
    if not outcomes:
        return
    with _bookkeeping():
        if connection.vendor != "postgresql":
            for o in outcomes:
                WebhookDelivery.objects.filter(
                    pk=o.delivery_id, status=DeliveryStatus.SENDING
                ).update(
                    status=o.status,
                    last_status_code=o.code,
                    last_error=o.error[:300],
                    next_attempt_at=o.next_attempt_at,
                    delivered_at=o.delivered_at,
                    queued_at=None,
                )
            return
        params = []
        for o in outcomes:
            params += [o.delivery_id, o.status, o.code, o.error[:300]]
            params += [o.next_attempt_at, o.delivered_at]
        sql = _RECORD_SQL.format(
            table=connection.ops.quote_name(WebhookDelivery._meta.db_table),
            rows=", ".join([_RECORD_ROW] * len(outcomes)),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def catch_up(*, endpoint_id, now=None) -> int:
    """The endpoint answered: its deliveries waiting out a retry delay become due now (an
    endpoint-level circuit closing), so the backlog of an outage leaves at once."""
    now = now or timezone.now()
    with _bookkeeping():
        return WebhookDelivery.objects.filter(
            endpoint_id=endpoint_id,
            status=DeliveryStatus.PENDING,
            attempts__gt=0,
            next_attempt_at__gt=now,
        ).update(next_attempt_at=now, queued_at=None)


def finish(delivery: WebhookDelivery, status: str, *, code=None, error: str = "") -> str:
    now = timezone.now()
    with _bookkeeping():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=status,
            last_status_code=code,
            last_error=error[:300],
            delivered_at=now if status == DeliveryStatus.SUCCEEDED else None,
            next_attempt_at=None,
        )
    return status


def retry_delay(attempts: int) -> timedelta | None:
    if attempts >= MAX_ATTEMPTS:
        return None
    base = RETRY_SCHEDULE[attempts - 1]
    return base * random.uniform(0.8, 1.2)


def replay(*, delivery_ids) -> int:
    """Manual replay (admin): send again now, whatever the previous outcome; same webhook-id."""
    return WebhookDelivery.objects.filter(pk__in=list(delivery_ids)).update(
        status=DeliveryStatus.PENDING,
        next_attempt_at=timezone.now(),
        queued_at=None,
        claimed_at=None,
        attempts=0,
    )
