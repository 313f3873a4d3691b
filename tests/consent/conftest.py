"""Fixtures for consent tests: persons recorded by partner A through the real records API."""

from __future__ import annotations

import pytest

from tests.conftest import Partner
from tests.factories import record_payload


@pytest.fixture
def partner_c(db):
    return Partner("Département du Rhône", kind="departement")


@pytest.fixture
def api_a(partner_a):
    return partner_a.api()


@pytest.fixture
def api_b(partner_b):
    return partner_b.api()


@pytest.fixture
def person(api_a):
    """A person partner A holds its own record of; returns the golden id (str)."""
    response = api_a.put("/api/v1/records/A-1", record_payload(phone="0612345678"), format="json")
    assert response.status_code == 201, response.content
    return response.json()["beneficiary"]


def consent_body(grantee_org, **overrides) -> dict:
    body = {
        "basis": "consent",
        "grantee": {"type": "organization", "organization": str(grantee_org.pk)},
        "purposes": ["food_aid"],
        "categories": ["identity", "contact"],
        "evidence": {"method": "written", "collected_by": "Mme Durand, CCAS"},
    }
    body.update(overrides)
    return body


@pytest.fixture
def grant_consent(api_a):
    """Record a grant through the API as partner A; returns the response JSON."""

    def make(person_id, grantee_org, **overrides):
        response = api_a.post(
            f"/api/v1/beneficiaries/{person_id}/grants",
            consent_body(grantee_org, **overrides),
            format="json",
        )
        assert response.status_code == 201, response.content
        return response.json()

    return make
