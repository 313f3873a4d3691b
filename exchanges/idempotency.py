"""Retention of stored idempotency keys (the HTTP side lives in ``hub.api.idempotency``)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from exchanges.models import IdempotencyKey


def purge_expired_keys(*, now=None) -> int:
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
