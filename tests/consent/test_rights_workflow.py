"""DPO tools scoped to the organization, erasure of one's own records, and the cross-partner
rights workflow (issue 8): partner A (CCAS) and partner B (association) both hold a record of
the same person, with different identifiers and data."""

from __future__ import annotations

import json

import pytest

from consent.models import AccessLog, RightsRequest, RightsTask
from exchanges.models import Case
from hub.outbox.models import Event
from hub.registry.models import Beneficiary, PartnerRecord, Role
from tests.consent.test_consent_admin import login
from tests.factories import record_payload

pytestmark = pytest.mark.django_db

A_PHONE = "0612345678"  # only in A's record (the ``person`` fixture)


@pytest.fixture
def shared(person, partner_b):
    """B's own record of A's person: its own identifier, an e-mail A does not have."""
    PartnerRecord.objects.create(
        organization=partner_b.organization,
        external_id="B-77",
        beneficiary_id=person,
        payload=record_payload(email="jeanne.b@example.org"),
    )
    return person


def export_of(client, person) -> dict:
    response = client.get(f"/admin/consent/accesslog/dpo/personne/{person}/acces/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_dpo_export_contains_nothing_of_another_partner(
    shared, partner_a, partner_b, api_a, grant_consent
):
    api_a.post("/api/v1/cases", {"beneficiary": shared, "type": "food_aid"}, format="json")
    dpo_b, user_b = login(partner_b.organization, Role.DPO)
    export = export_of(dpo_b, shared)
    text = json.dumps(export, ensure_ascii=False)
    assert "A-1" not in text
    assert A_PHONE not in text
    assert partner_a.organization.name not in text
    assert [r["external_id"] for r in export["partner_records"]] == ["B-77"]
    assert export["beneficiary"]["contact"]["email"] == "jeanne.b@example.org"
    assert export["cases"] == []  # A's case is A's
    assert AccessLog.objects.filter(
        user_id=user_b.pk, action="export", resource="dpo_export", beneficiary_id=shared
    ).exists()
    report = json.loads(
        dpo_b.get(f"/admin/consent/accesslog/dpo/personne/{shared}/?format=json").content
    )
    assert partner_a.organization.name not in json.dumps(report, ensure_ascii=False)
    # A's DPO gets A's data, and A's case.
    dpo_a = login(partner_a.organization, Role.DPO)[0]
    mine = export_of(dpo_a, shared)
    assert [r["external_id"] for r in mine["partner_records"]] == ["A-1"]
    assert [c["organization"] for c in mine["cases"]] == [partner_a.organization.name]
    assert "B-77" not in json.dumps(mine)


def test_access_log_export_is_logged_and_keeps_to_the_dpos_organization(
    shared, partner_a, partner_b, api_b
):
    api_b.get(f"/api/v1/beneficiaries/{shared}")
    dpo_a, user_a = login(partner_a.organization, Role.DPO)
    rows = json.loads(dpo_a.get("/admin/consent/accesslog/export.json").content)
    assert {row["organization"] for row in rows} == {partner_a.organization.name}
    assert AccessLog.objects.filter(user_id=user_a.pk, resource="dpo_export").count() == 1


def test_org_admin_cannot_anonymise_another_partners_records(shared, partner_a, partner_b, api_b):
    only_a = (
        partner_a.api()
        .put("/api/v1/records/A-2", record_payload(birth_name="Zola"), format="json")
        .json()["beneficiary"]
    )
    admin_b = login(partner_b.organization, Role.ADMIN)[0]
    refused = admin_b.post(
        f"/admin/consent/accesslog/dpo/personne/{only_a}/effacement/", {"reason": "demande"}
    )
    assert refused.status_code == 404
    assert Beneficiary.objects.get(pk=only_a).birth_name == "Zola"
    assert AccessLog.objects.filter(beneficiary_id=only_a, decision="deny").exists()

    done = admin_b.post(
        f"/admin/consent/accesslog/dpo/personne/{shared}/effacement/", {"reason": "demande"}
    )
    assert done.status_code == 302
    a_record = PartnerRecord.objects.get(external_id="A-1")
    assert a_record.payload["birth_name"] == "Martin"
    assert a_record.payload["phone"] == A_PHONE
    assert PartnerRecord.objects.get(external_id="B-77").payload == {}
    person = Beneficiary.objects.get(pk=shared)
    assert person.status == "active"
    assert (person.birth_name, person.phone, person.email) == ("Martin", A_PHONE, "")
    assert Event.objects.filter(
        type="beneficiary.anonymised",
        organization_id=partner_b.organization.pk,
        beneficiary_id=shared,
    ).exists()
    assert not Event.objects.filter(
        type="beneficiary.anonymised", organization_id=partner_a.organization.pk
    ).exists()
    # A still reads its person, with its own data.
    assert partner_a.api().get(f"/api/v1/beneficiaries/{shared}").status_code == 200


def test_cross_partner_access_request_end_to_end(shared, partner_a, partner_b):
    dpo_a, user_a = login(partner_a.organization, Role.DPO)
    response = dpo_a.post(
        f"/admin/consent/accesslog/dpo/personne/{shared}/acces/",
        {"reason": "Courrier du 2 décembre, réf. 42"},
    )
    assert response.status_code == 302
    request = RightsRequest.objects.get()
    assert (request.kind, request.status, request.organization) == (
        "access",
        "open",
        partner_a.organization,
    )
    task = RightsTask.objects.get()
    assert task.organization == partner_b.organization
    assert Event.objects.filter(type="rights.requested").count() == 2
    assert AccessLog.objects.filter(
        user_id=user_a.pk, action="request", resource="rights_request", beneficiary_id=shared
    ).exists()
    # The requester sees the progress, never which partner holds data.
    page = dpo_a.get(f"/admin/consent/rightsrequest/{request.pk}/change/").content.decode()
    assert partner_b.organization.name not in page
    assert "Partenaire 1" in page
    assert dpo_a.get("/admin/consent/rightstask/").context["cl"].result_count == 0

    dpo_b, user_b = login(partner_b.organization, Role.DPO)
    tasks = dpo_b.get("/admin/consent/rightstask/")
    assert tasks.context["cl"].result_count == 1
    assert "MARTIN Jeanne" in tasks.content.decode()
    assert dpo_b.get("/admin/consent/rightsrequest/").context["cl"].result_count == 1
    refused = dpo_b.post(
        "/admin/consent/rightstask/",
        {"action": "refuse", "_selected_action": [task.pk], "note": ""},
    )
    assert refused.status_code == 302
    task.refresh_from_db()
    assert task.status == "pending"  # a refusal needs its reason
    dpo_b.post(
        "/admin/consent/rightstask/",
        {"action": "answer", "_selected_action": [task.pk], "note": "Export envoyé le 3/12"},
    )
    task.refresh_from_db()
    request.refresh_from_db()
    assert (task.status, task.answered_by_id, request.status) == ("answered", user_b.pk, "done")
    assert Event.objects.filter(
        type="rights.answered", organization_id=partner_a.organization.pk, subject_id=request.pk
    ).exists()
    assert AccessLog.objects.filter(
        user_id=user_b.pk, action="answer", resource="rights_request", beneficiary_id=shared
    ).exists()


def test_cross_partner_erasure_request_end_to_end(shared, partner_a, partner_b, api_b):
    api_b.post("/api/v1/cases", {"beneficiary": shared, "type": "food_aid"}, format="json")
    admin_a = login(partner_a.organization, Role.ADMIN)[0]
    admin_a.post(
        f"/admin/consent/accesslog/dpo/personne/{shared}/effacement/",
        {"reason": "Demande écrite de la personne"},
    )
    request = RightsRequest.objects.get()
    assert request.kind == "erasure"
    assert PartnerRecord.objects.get(external_id="A-1").payload == {}
    assert PartnerRecord.objects.get(external_id="B-77").payload["email"] == "jeanne.b@example.org"
    assert Beneficiary.objects.get(pk=shared).status == "active"
    task = RightsTask.objects.get(organization=partner_b.organization)

    admin_c = login(partner_a.organization, Role.DPO)[0]
    admin_c.post(  # A cannot act on B's task
        "/admin/consent/rightstask/",
        {"action": "anonymise", "_selected_action": [task.pk], "note": ""},
    )
    task.refresh_from_db()
    assert task.status == "pending"

    dpo_b, user_b = login(partner_b.organization, Role.DPO)
    dpo_b.post(
        "/admin/consent/rightstask/",
        {"action": "anonymise", "_selected_action": [task.pk], "note": "Effacé"},
    )
    task.refresh_from_db()
    request.refresh_from_db()
    assert (task.status, request.status) == ("anonymised", "done")
    person = Beneficiary.objects.get(pk=shared)
    assert (person.status, person.birth_name) == ("anonymised", "")
    assert PartnerRecord.objects.get(external_id="B-77").payload == {}
    anonymised = set(
        Event.objects.filter(type="beneficiary.anonymised", beneficiary_id=shared).values_list(
            "organization_id", flat=True
        )
    )
    assert anonymised == {partner_a.organization.pk, partner_b.organization.pk}
    assert AccessLog.objects.filter(
        user_id=user_b.pk, action="erase", beneficiary_id=shared
    ).exists()
    assert Case.objects.filter(beneficiary_id=shared).count() == 1  # history kept, person gone


def test_operator_sees_every_request_and_its_partners(shared, partner_a, partner_b):
    from django.contrib.auth import get_user_model
    from django.test import Client

    dpo_a = login(partner_a.organization, Role.DPO)[0]
    dpo_a.post(f"/admin/consent/accesslog/dpo/personne/{shared}/acces/", {"reason": "réf. 7"})
    request = RightsRequest.objects.get()
    operator = Client()
    operator.force_login(get_user_model().objects.create_superuser("root", "r@example.org", "x"))
    page = operator.get(f"/admin/consent/rightsrequest/{request.pk}/change/").content.decode()
    assert partner_b.organization.name in page
    assert operator.get("/admin/consent/rightstask/").context["cl"].result_count == 1
