"""Admin: social workers record and withdraw grants; the DPO reads, filters and exports."""

import json

import pytest
from django.test import Client

from consent.models import AccessLog, Grant, GrantEvent, LegalHold
from hub.registry.models import Beneficiary, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def login(organization, role):
    membership = MembershipFactory(organization=organization, role=role)
    membership.user.save()  # the factory sets the password unsaved: keep the session hash valid
    client = Client()
    client.force_login(membership.user)
    return client, membership.user


@pytest.fixture
def dpo_a(partner_a):
    return login(partner_a.organization, Role.DPO)[0]


@pytest.fixture
def agent_a(partner_a):
    return login(partner_a.organization, Role.AGENT)


def test_dpo_reads_the_access_log_but_a_social_worker_does_not(person, dpo_a, agent_a):
    assert dpo_a.get("/admin/consent/accesslog/").status_code == 200
    assert agent_a[0].get("/admin/consent/accesslog/").status_code == 403


def test_dpo_cannot_add_change_or_delete_log_rows(person, dpo_a):
    row = AccessLog.objects.first()
    assert dpo_a.get("/admin/consent/accesslog/add/").status_code == 403
    assert dpo_a.post(f"/admin/consent/accesslog/{row.pk}/delete/").status_code == 403
    page = dpo_a.get(f"/admin/consent/accesslog/{row.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


def test_access_log_export_follows_the_filters(person, api_a, dpo_a):
    import uuid

    api_a.get(f"/api/v1/beneficiaries/{uuid.uuid4()}")  # a deny of A's
    rows = json.loads(
        b"".join(dpo_a.get("/admin/consent/accesslog/export.json?decision__exact=deny"))
    )
    assert [row["decision"] for row in rows] == ["deny"]
    csv_text = b"".join(dpo_a.get("/admin/consent/accesslog/export.csv").streaming_content)
    assert csv_text.decode().splitlines()[0].startswith("id,at,organization")
    by_person = dpo_a.get(f"/admin/consent/accesslog/?beneficiary_id={person}")
    assert by_person.status_code == 200


def test_dpo_of_a_does_not_see_accesses_of_b_to_persons_a_does_not_hold(
    partner_a, partner_b, dpo_a
):
    from tests.factories import record_payload

    api_b = partner_b.api()
    other = api_b.put("/api/v1/records/B-1", record_payload(birth_name="Zola"), format="json")
    other = other.json()["beneficiary"]
    rows = json.loads(dpo_a.get("/admin/consent/accesslog/export.json").content)
    assert other not in {row["beneficiary_id"] for row in rows}


def test_disclosure_report_lists_who_accessed_and_who_received(
    person, partner_b, api_b, grant_consent, dpo_a
):
    grant_consent(person, partner_b.organization)
    api_b.get(f"/api/v1/beneficiaries/{person}")
    report = json.loads(
        dpo_a.get(f"/admin/consent/accesslog/dpo/personne/{person}/?format=json").content
    )
    assert report["grants"][0]["grantee"] == partner_b.organization.name
    assert any(a["organization"] == partner_b.organization.name for a in report["accesses"])
    html = dpo_a.get(f"/admin/consent/accesslog/dpo/personne/{person}/")
    assert "Qui a accédé aux données" in html.content.decode()
    assert AccessLog.objects.filter(resource="disclosure_report", decision="allow").exists()


def test_disclosure_report_of_a_person_the_dpo_does_not_hold_is_404_and_logged(
    partner_a, partner_b, dpo_a
):
    from tests.factories import record_payload

    other = partner_b.api().put("/api/v1/records/B-1", record_payload(), format="json")
    other = other.json()["beneficiary"]
    assert dpo_a.get(f"/admin/consent/accesslog/dpo/personne/{other}/").status_code == 404
    assert AccessLog.objects.filter(resource="disclosure_report", decision="deny").exists()


def test_register_and_integrity_pages(person, dpo_a):
    page = dpo_a.get("/admin/consent/accesslog/dpo/registre/")
    assert "Aide alimentaire" in page.content.decode()
    register = json.loads(dpo_a.get("/admin/consent/accesslog/dpo/registre/?format=json").content)
    assert {e["id"] for e in register["entries"]} >= {"food_aid", "access_log"}
    csv_text = b"".join(
        dpo_a.get("/admin/consent/accesslog/dpo/registre/?format=csv").streaming_content
    )
    assert "finalite" in csv_text.decode().splitlines()[0]
    assert "Intègre" in dpo_a.get("/admin/consent/accesslog/dpo/integrite/").content.decode()
    assert dpo_a.get("/admin/consent/accesslog/dpo/conservation/").status_code == 200


def test_social_worker_records_a_grant_in_the_admin(person, partner_b, agent_a):
    client, user = agent_a
    response = client.post(
        "/admin/consent/grant/add/",
        {
            "beneficiary_id": person,
            "basis": "consent",
            "grantee_type": "organization",
            "grantee_organization": str(partner_b.organization.pk),
            "purposes": ["food_aid"],
            "categories": ["identity", "contact"],
            "evidence_method": "oral",
            "collected_by_name": "Mme Durand",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    grant = Grant.objects.get()
    assert grant.collected_by_user_id == user.pk
    assert GrantEvent.objects.filter(grant=grant, kind="created").count() == 1
    receipt = client.get(f"/admin/consent/grant/{grant.pk}/recu/")
    assert "Reçu de consentement" in receipt.content.decode()
    assert partner_b.api().get(f"/api/v1/beneficiaries/{person}").status_code == 200


def test_admin_grant_form_refuses_a_person_of_another_organization_and_writes_nothing(
    partner_a, partner_b, agent_a
):
    from tests.factories import record_payload

    other = partner_b.api().put("/api/v1/records/B-1", record_payload(), format="json")
    other = other.json()["beneficiary"]
    response = agent_a[0].post(
        "/admin/consent/grant/add/",
        {
            "beneficiary_id": other,
            "basis": "consent",
            "grantee_type": "organization",
            "grantee_organization": str(partner_a.organization.pk),
            "purposes": ["food_aid"],
            "categories": ["identity"],
            "evidence_method": "oral",
            "collected_by_name": "X",
        },
    )
    assert response.status_code == 200
    assert "Personne inconnue" in response.content.decode()
    assert Grant.objects.count() == 0 and GrantEvent.objects.count() == 0


def test_withdraw_action_in_the_admin(person, partner_b, grant_consent, agent_a):
    grant = grant_consent(person, partner_b.organization)
    response = agent_a[0].post(
        "/admin/consent/grant/",
        {"action": "withdraw_selected", "_selected_action": [grant["id"]]},
    )
    assert response.status_code == 302
    assert Grant.objects.get(pk=grant["id"]).status == "withdrawn"
    assert partner_b.api().get(f"/api/v1/beneficiaries/{person}").status_code == 404


def test_dpo_cannot_record_grants(person, dpo_a):
    assert dpo_a.get("/admin/consent/grant/add/").status_code == 403
    assert dpo_a.get("/admin/consent/grant/").status_code == 200


def test_org_admin_erases_a_person_unless_under_legal_hold(person, partner_a):
    client, _user = login(partner_a.organization, Role.ADMIN)
    url = f"/admin/consent/accesslog/dpo/personne/{person}/effacement/"
    hold = LegalHold.objects.create(beneficiary_id=person, reason="Contentieux")
    client.post(url, {"reason": "Demande de la personne"})
    assert Beneficiary.objects.get(pk=person).status == "active"
    LegalHold.objects.filter(pk=hold.pk).update(released_at="2026-01-01T00:00:00Z")
    client.post(url, {"reason": "Demande de la personne"})
    assert Beneficiary.objects.get(pk=person).status == "anonymised"


def test_social_worker_cannot_erase(person, agent_a):
    url = f"/admin/consent/accesslog/dpo/personne/{person}/effacement/"
    assert agent_a[0].post(url, {"reason": "x"}).status_code == 403
    assert Beneficiary.objects.get(pk=person).status == "active"
