"""Webhooks: endpoints, Standard Webhooks signatures and fan-out from the outbox.

Signatures follow https://www.standardwebhooks.com: headers ``webhook-id`` (stable across
retries), ``webhook-timestamp`` (seconds) and ``webhook-signature`` (space-separated
``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``). Secrets are ``whsec_`` + base64 of 32
random bytes. Rotation keeps the previous secret for ``WEBHOOKS_SECRET_GRACE_HOURS``: during
that time every message carries both signatures, so receivers can switch keys without downtime.

Delivery (claims, retries, outcomes) lives in ``exchanges.sending``. Targets resolving to
private, loopback, link-local or otherwise non-public addresses are refused at registration and
at delivery.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from exchanges import feed
from exchanges.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from exchanges.transport import WebhookError, check_target
from hub.outbox.models import Event
from hub.registry.actors import Actor
from hub.registry.models import PartnerClient

MAX_ENDPOINTS_PER_CLIENT = 10


# --- Secrets and signatures -------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<signature>`` by the standardwebhooks library (the receivers' reference code)."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return Webhook(secret).sign(msg_id, moment, body.decode())


def active_secrets(endpoint: WebhookEndpoint, now=None) -> list[str]:
    now = now or timezone.now()
    out = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > now
    ):
        out.append(endpoint.previous_secret)
    return out


def signature_headers(endpoint: WebhookEndpoint, msg_id: str, body: bytes, now=None) -> dict:
    now = now or timezone.now()
    timestamp = int(now.timestamp())
    signatures = " ".join(sign(s, msg_id, timestamp, body) for s in active_secrets(endpoint, now))
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": "Passerelle-Webhooks/1",
    }


# --- Endpoint management ----------------------------------------------------------------------


def endpoints_for(actor: Actor):
    return WebhookEndpoint.objects.filter(client_id=actor.client_id)


def register_endpoint(*, actor: Actor, url: str, event_types: list[str]) -> WebhookEndpoint:
    if not actor.client_id:
        raise WebhookError("client", "only a partner client may register webhooks")
    if not isinstance(url, str) or not url or len(url) > 500:
        raise WebhookError("url", "a URL of at most 500 characters is required")
    if not isinstance(event_types, list) or not all(
        isinstance(t, str) and 0 < len(t) <= 60 for t in event_types
    ):
        raise WebhookError("event_types", "a list of event type names is expected")
    check_target(url)
    with transaction.atomic():
        client = PartnerClient.objects.select_for_update().get(pk=actor.client_id)
        if endpoints_for(actor).filter(is_active=True).count() >= MAX_ENDPOINTS_PER_CLIENT:
            raise WebhookError("url", f"at most {MAX_ENDPOINTS_PER_CLIENT} endpoints per client")
        return WebhookEndpoint.objects.create(
            organization_id=client.organization_id,
            client=client,
            url=url,
            event_types=sorted(set(event_types)),
            secret=new_secret(),
        )


def rotate_secret(*, endpoint: WebhookEndpoint, now=None) -> WebhookEndpoint:
    """New secret now; the old one keeps signing (alongside) during the grace period."""
    now = now or timezone.now()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + timedelta(
        hours=settings.WEBHOOKS_SECRET_GRACE_HOURS
    )
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint


def client_actor(endpoint: WebhookEndpoint) -> Actor:
    return Actor(
        organization_id=endpoint.organization_id,
        organization_ids=(endpoint.organization_id,),
        client_id=endpoint.client_id,
    )


def wants(endpoint: WebhookEndpoint, event: Event) -> bool:
    return not endpoint.event_types or event.type in endpoint.event_types


# --- Fan-out (relay) --------------------------------------------------------------------------


def fan_out(events: list[Event], endpoints: list[WebhookEndpoint]) -> list[int]:
    """Create the delivery rows of ``events`` (idempotent); return the ids to queue now."""
    if not create_deliveries(events, endpoints):
        return []
    return claim_for_queue(
        WebhookDelivery.objects.filter(
            event_id__in=[e.pk for e in events], status=DeliveryStatus.PENDING, queued_at=None
        )
    )


def create_deliveries(events: list[Event], endpoints: list[WebhookEndpoint]) -> int:
    """Create the delivery rows of ``events``, due now. Idempotent: one row per (endpoint,
    event) ever, so the same event fanned out twice (on its commit notification, then again
    by the watermark relay) is delivered once. Returns the number of rows attempted."""
    if not events or not endpoints:
        return 0
    rows = []
    for endpoint in endpoints:
        candidates = [e for e in events if wants(endpoint, e)]
        for event in feed.visible_events(client_actor(endpoint), candidates):
            rows.append(
                WebhookDelivery(
                    endpoint=endpoint,
                    event=event,
                    msg_id=f"msg_{event.pk}",
                    next_attempt_at=timezone.now(),
                    committed_at=event.occurred_at,
                )
            )
    if rows:
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)


def claim_for_queue(queryset) -> list[int]:
    """Mark rows as queued now and return their ids (rows already queued by another are left)."""
    ids = list(queryset.values_list("pk", flat=True)[:5000])
    if ids:
        WebhookDelivery.objects.filter(pk__in=ids).update(queued_at=timezone.now())
    return ids


def due_deliveries(now=None) -> list[int]:
    """Deliveries to (re)queue: due and not queued recently, or stuck in a dead worker's claim."""
    now = now or timezone.now()
    requeue_after = timedelta(seconds=settings.WEBHOOKS_REQUEUE_SECONDS)
    lease = timedelta(seconds=settings.WEBHOOKS_TIMEOUT_SECONDS + 10)
    return claim_for_queue(
        WebhookDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            & (Q(queued_at__isnull=True) | Q(queued_at__lte=now - requeue_after))
            | Q(status=DeliveryStatus.SENDING, claimed_at__lte=now - lease)
        ).order_by("next_attempt_at")
    )


def payload(event: Event) -> bytes:
    return json.dumps(
        {
            "type": event.type,
            "timestamp": event.occurred_at.isoformat(),
            "data": feed.serialize(event),
        },
        separators=(",", ":"),
    ).encode()
