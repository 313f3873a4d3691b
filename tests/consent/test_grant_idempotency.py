"""POST on grants honours Idempotency-Key: a retried request records one grant."""

import pytest

from consent.models import Grant
from tests.consent.conftest import consent_body

pytestmark = pytest.mark.django_db


def test_same_idempotency_key_replays_the_first_grant(person, partner_b, api_a):
    url = f"/api/v1/beneficiaries/{person}/grants"
    body = consent_body(partner_b.organization)
    first = api_a.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="grant-1")
    again = api_a.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="grant-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Grant.objects.count() == 1
    other = api_a.post(
        url,
        consent_body(partner_b.organization, purposes=["shelter"]),
        format="json",
        HTTP_IDEMPOTENCY_KEY="grant-1",
    )
    assert other.status_code == 422
    assert Grant.objects.count() == 1
