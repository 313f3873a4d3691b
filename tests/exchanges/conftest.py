"""Helpers for exchanges tests: persons known to partners, broker-marked tests."""

from __future__ import annotations

import time
import uuid

from django.db import connection
from django.db.models import Max

from exchanges import feed
from exchanges.models import Event
from hub.registry.models import PartnerRecord
from tests.factories import record_payload


def person(partner, external_id: str | None = None, **overrides) -> str:
    """The partner submits its record of a person through the API; returns the golden id."""
    external_id = external_id or f"P-{uuid.uuid4().hex[:10]}"
    response = partner.api().put(
        f"/api/v1/records/{external_id}", record_payload(**overrides), format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["beneficiary"]


def also_known_by(partner, beneficiary_id: str) -> PartnerRecord:
    """The partner holds its own record of the same person (what a certain match produces)."""
    return PartnerRecord.objects.create(
        organization=partner.organization,
        external_id=f"K-{uuid.uuid4().hex[:10]}",
        beneficiary_id=beneficiary_id,
        payload=record_payload(),
    )


def settle(timeout: float = 60.0) -> None:
    """Wait until every committed event is readable (PostgreSQL: below the snapshot xmin, which
    other sessions on the same server may hold back for a while), then run the relay as Celery
    beat would. Only for tests with real commits (``transaction=True``)."""
    from exchanges.tasks import relay_outbox

    deadline = time.monotonic() + timeout
    while connection.vendor == "postgresql" and time.monotonic() < deadline:
        top = Event.objects.aggregate(top=Max("xid"))["top"]
        if top is None or feed.snapshot_xmin() > top:
            break
        time.sleep(0.05)
    relay_outbox.delay()
