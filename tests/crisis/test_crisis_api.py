"""The crisis API of CONTRACT.md, with real OAuth2 tokens."""

from __future__ import annotations

import csv
import io

import pytest

from consent.models import AccessLog
from crisis.grants import intervention_group
from crisis.models import PrefectExport
from tests.crisis.conftest import person_body

pytestmark = pytest.mark.django_db


def _register(api, **overrides):
    body = {"person": person_body(), "category": "age_65", "requested_by": "self"}
    body.update(overrides)
    return api.post("/api/v1/crisis/registrations", body, format="json")


def test_register_list_and_remove(commune):
    api = commune.api()
    response = _register(api, lives_alone=True, emergency_contact={"name": "Paul", "phone": "06"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "active" and body["person"]["birth_name"] == "Lefèvre"
    listed = api.get("/api/v1/crisis/registrations").json()
    assert [r["id"] for r in listed["results"]] == [body["id"]] and listed["next"] is None
    assert api.delete(f"/api/v1/crisis/registrations/{body['id']}").status_code == 204
    assert api.get("/api/v1/crisis/registrations").json()["results"] == []


def test_bad_registrations_name_the_field_and_write_nothing(commune):
    api = commune.api()
    response = _register(api, health="diabète", category="sick")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert "health" in fields
    response = _register(api, person=person_body(birth_date="hier"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("person.")
    response = _register(api, requested_by="third_party")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "third_party.name"
    assert api.get("/api/v1/crisis/registrations").json()["results"] == []


def test_another_partner_may_not_see_or_remove_an_entry(commune, association):
    entry = _register(commune.api()).json()
    other = association.api()
    assert other.get("/api/v1/crisis/registrations").status_code == 403  # no crisis scope
    from tests.conftest import Partner

    ccas = Partner("CCAS de Bron", kind="ccas", scopes="crisis:read crisis:write")
    api = ccas.api()
    assert api.get("/api/v1/crisis/registrations").json()["results"] == []
    response = api.delete(f"/api/v1/crisis/registrations/{entry['id']}")
    assert response.status_code == 404


def test_activation_calls_and_outcomes(commune, django_capture_on_commit_callbacks):
    api = commune.api()
    _register(api, lives_alone=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/crisis/activations",
            {"plan": "heatwave", "level": "alert", "reason": "Vigilance rouge"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="act-1",
        )
    assert response.status_code == 201, response.content
    activation = response.json()
    again = api.post(
        "/api/v1/crisis/activations",
        {"plan": "heatwave", "level": "alert", "reason": "Vigilance rouge"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="act-1",
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    listed = api.get(f"/api/v1/crisis/activations/{activation['id']}/calls").json()
    (call,) = listed["results"]
    assert call["person"]["name"] == "LEFÈVRE Odette" and call["status"] == "pending"
    response = api.post(
        f"/api/v1/crisis/calls/{call['id']}/outcome", {"outcome": "visit_ok"}, format="json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "outcome"
    response = api.post(
        f"/api/v1/crisis/calls/{call['id']}/outcome", {"outcome": "reached"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "reached"
    response = api.post(
        f"/api/v1/crisis/calls/{call['id']}/outcome", {"outcome": "reached"}, format="json"
    )
    assert response.status_code == 409
    closed = api.post(
        f"/api/v1/crisis/activations/{activation['id']}/close", {"reason": "Fin"}, format="json"
    )
    assert closed.status_code == 200 and closed.json()["is_open"] is False
    again = api.post(
        f"/api/v1/crisis/activations/{activation['id']}/close", {"reason": "Fin"}, format="json"
    )
    assert again.status_code == 409


@pytest.mark.django_db(transaction=True)  # the feed serves committed events only (PostgreSQL)
def test_events_reach_the_feed(commune):
    api = commune.api()
    api.post(
        "/api/v1/crisis/activations",
        {"plan": "cold", "level": "alert", "reason": "Grand froid"},
        format="json",
    )
    types = [e["type"] for e in api.get("/api/v1/events").json()["results"]]
    assert "crisis.activated" in types


def test_prefect_export_only_while_the_activation_is_open(commune, prefecture):
    api = commune.api()
    _register(api, lives_alone=True, home_care_service="SSIAD")
    intervention_group(commune.organization).members.add(prefecture.organization)
    activation = api.post(
        "/api/v1/crisis/activations",
        {"plan": "heatwave", "level": "alert", "reason": "Canicule"},
        format="json",
    ).json()
    prefect = prefecture.api()
    url = f"/api/v1/crisis/activations/{activation['id']}/prefect-export"
    missing_reason = prefect.get(url)
    assert missing_reason.status_code == 400
    assert missing_reason.json()["errors"][0]["field"] == "reason"
    before = AccessLog.objects.filter(resource="crisis_registration", action="export").count()
    response = prefect.get(url, {"reason": "Demande du préfet, vigilance rouge"})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["nom_naissance"], r["vit_seul"]) for r in rows] == [("Lefèvre", "oui")]
    export = PrefectExport.objects.get()
    assert export.reason.startswith("Demande du préfet") and export.rows == 1
    after = AccessLog.objects.filter(resource="crisis_registration", action="export")
    assert after.count() == before + 1
    assert after.last().organization_id == prefecture.organization.pk
    # The commune itself has no crisis:prefect scope.
    assert api.get(url, {"reason": "x"}).status_code == 403
    api.post(
        f"/api/v1/crisis/activations/{activation['id']}/close", {"reason": "Fin"}, format="json"
    )
    refused = prefect.get(url, {"reason": "Encore"})
    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    assert PrefectExport.objects.count() == 1


def test_prefect_export_is_404_for_a_prefecture_not_named_by_the_commune(commune, prefecture):
    activation = (
        commune.api()
        .post(
            "/api/v1/crisis/activations",
            {"plan": "heatwave", "level": "alert", "reason": "Canicule"},
            format="json",
        )
        .json()
    )
    url = f"/api/v1/crisis/activations/{activation['id']}/prefect-export"
    assert prefecture.api().get(url, {"reason": "x"}).status_code == 404


def test_every_crisis_operation_is_in_the_openapi_document():
    from rest_framework.test import APIClient

    document = (
        APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    )
    paths = document["paths"]
    expected = {
        ("/api/v1/crisis/registrations", "get"),
        ("/api/v1/crisis/registrations", "post"),
        ("/api/v1/crisis/registrations/{registration_id}", "delete"),
        ("/api/v1/crisis/activations", "post"),
        ("/api/v1/crisis/activations/{activation_id}/close", "post"),
        ("/api/v1/crisis/activations/{activation_id}/calls", "get"),
        ("/api/v1/crisis/calls/{call_id}/outcome", "post"),
        ("/api/v1/crisis/activations/{activation_id}/prefect-export", "get"),
    }
    for path, method in expected:
        assert method in paths[path], (path, method)
    export = paths["/api/v1/crisis/activations/{activation_id}/prefect-export"]["get"]
    assert "409" in export["responses"] and "text/csv" in export["responses"]["200"]["content"]
    assert export["security"] == [{"oauth2": ["crisis:prefect"]}]


def test_home_visit_services_see_visit_steps_only_while_the_plan_is_open(
    commune, django_capture_on_commit_callbacks
):
    from crisis.models import Call
    from tests.conftest import Partner

    visits = Partner("SSIAD Villeurbanne", kind="association", scopes="crisis:read crisis:write")
    intervention_group(commune.organization).members.add(visits.organization)
    api = commune.api()
    _register(api)
    _register(api, person=person_body(birth_name="Girard", first_names="Henri", birth_date="1941"))
    with django_capture_on_commit_callbacks(execute=True):
        activation = api.post(
            "/api/v1/crisis/activations",
            {"plan": "heatwave", "level": "alert", "reason": "Canicule"},
            format="json",
        ).json()
    from crisis import call_entries

    # The commune writes both calls (as a claim would) and moves the first to a home visit.
    ids = [
        c["id"]
        for c in api.get(f"/api/v1/crisis/activations/{activation['id']}/calls").json()["results"]
    ]
    first, second = (call_entries.write(call_entries.find_call(pk)) for pk in ids)
    Call.objects.filter(pk=first.pk).update(step="visit")
    other = visits.api()
    url = f"/api/v1/crisis/activations/{activation['id']}/calls"
    listed = other.get(url).json()["results"]
    assert [c["id"] for c in listed] == [str(first.pk)] and listed[0]["person"]["name"]
    refused = other.post(
        f"/api/v1/crisis/calls/{second.pk}/outcome", {"outcome": "reached"}, format="json"
    )
    assert refused.status_code == 404
    done = other.post(
        f"/api/v1/crisis/calls/{first.pk}/outcome", {"outcome": "visit_ok"}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == "reached"
    api.post(
        f"/api/v1/crisis/activations/{activation['id']}/close", {"reason": "Fin"}, format="json"
    )
    assert other.get(url).status_code == 404
