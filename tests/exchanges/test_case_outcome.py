"""Closing a case with an outcome from the controlled list (the territory's exit indicators)."""

import pytest

from exchanges.models import Case
from hub.outbox.models import Event
from tests.exchanges.conftest import person

pytestmark = pytest.mark.django_db


def _open_case(partner, type="professional_insertion"):
    beneficiary = person(partner)
    response = partner.api().post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": type}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_closing_a_case_with_an_outcome_records_it_and_its_time(partner_a):
    case_id = _open_case(partner_a)
    response = partner_a.api().patch(
        f"/api/v1/cases/{case_id}",
        {"status": "closed", "outcome": "employment_cdi"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["outcome"] == "employment_cdi"
    assert body["outcome_at"]
    case = Case.objects.get(pk=case_id)
    assert case.get_outcome_display() == "Emploi durable — CDI"
    closed = Event.objects.get(type="case.closed", subject_id=case_id)
    assert closed.data["outcome"] == "employment_cdi"


def test_unknown_outcome_answers_422_naming_the_field_and_changes_nothing(partner_a):
    case_id = _open_case(partner_a)
    response = partner_a.api().patch(
        f"/api/v1/cases/{case_id}", {"status": "closed", "outcome": "lottery"}, format="json"
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["outcome"]
    case = Case.objects.get(pk=case_id)
    assert (case.status, case.outcome) == ("open", "")


def test_an_open_case_cannot_carry_an_outcome(partner_a):
    case_id = _open_case(partner_a)
    response = partner_a.api().patch(
        f"/api/v1/cases/{case_id}", {"outcome": "shelter"}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "outcome"
    assert Case.objects.get(pk=case_id).outcome == ""


def test_openapi_declares_the_outcome_enum(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    enum = schema["components"]["schemas"]["CaseOutcomeEnum"]["enum"]
    assert "employment_cdi" in enum and "lost_contact" in enum
