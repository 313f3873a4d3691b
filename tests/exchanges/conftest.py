"""Helpers for exchanges tests: persons known to partners, broker-marked tests."""

from __future__ import annotations

import os
import uuid

import pytest

from hub.registry.models import PartnerRecord
from tests.factories import record_payload


@pytest.fixture(autouse=True)
def _broker_required(request):
    """``broker`` tests need a real broker and worker; without CELERY_BROKER_URL they skip."""
    if request.node.get_closest_marker("broker") and not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("needs a real Celery broker: set CELERY_BROKER_URL (CI uses Redis db 15)")


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
