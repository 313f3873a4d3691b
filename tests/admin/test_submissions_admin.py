"""The portal's queue in the admin: scoped to the chosen organization, candidates through the
gate, confirm / link / reject through the services, every page and decision audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consent.models import AccessLog
from crisis.models import Registration
from crisis.portal_intake import submit_registration
from exchanges.models import PortalSubmission
from exchanges.records import submit_record
from exchanges.submissions import submit_help_request
from hub.registry.actors import Actor
from hub.registry.models import PartnerRecord
from tests.conftest import Partner
from tests.factories import staff_client

pytestmark = pytest.mark.django_db

PERSON = {
    "birth_name": "Kerbrat",
    "first_names": "Yvonne",
    "birth_date": "1962-04-18",
    "sex": "F",
    "address": {"line": "5 rue Francis de Pressensé", "postcode": "69100", "city": "Villeurbanne"},
}


def help_request(organization, **person):
    submit_help_request(
        organization_id=organization.pk,
        person={**PERSON, **person},
        need="financial_aid",
        situation="Facture d'énergie impayée",
        contact={"phone": "0677889900"},
        availability="L'après-midi",
        purposes=["coordination"],
        client_ip="192.0.2.1",
    )
    return PortalSubmission.objects.latest("created_at")


def page_of(submission):
    return reverse("admin:exchanges_portalsubmission_change", args=[submission.pk])


def test_the_queue_lists_references_of_its_own_organization_only(partner_a, partner_b):
    mine = help_request(partner_a.organization)
    theirs = help_request(partner_b.organization, first_names="Anne")
    listing = staff_client(partner_a.organization).get(
        reverse("admin:exchanges_portalsubmission_changelist")
    )
    body = listing.content.decode()
    assert listing.status_code == 200
    assert mine.reference in body and theirs.reference not in body
    assert "Kerbrat" not in body  # the list names no one
    assert "Aide financière" in body


def test_another_organization_gets_404_on_every_url_of_the_submission(partner_a, partner_b):
    submission = help_request(partner_a.organization)
    client = staff_client(partner_b.organization)
    assert client.get(page_of(submission)).status_code == 404
    for name in ("confirm", "reject"):
        url = reverse(f"admin:exchanges_portalsubmission_{name}", args=[submission.pk])
        assert client.post(url, {"reason": "x"}).status_code == 404
    history = reverse("admin:exchanges_portalsubmission_history", args=[submission.pk])
    assert client.get(history).status_code == 404
    assert PortalSubmission.objects.get().status == "pending"
    assert not PartnerRecord.objects.exists()


def test_a_dpo_of_the_organization_does_not_handle_the_queue(partner_a):
    submission = help_request(partner_a.organization)
    client = staff_client(partner_a.organization, role="dpo")
    assert client.get(page_of(submission)).status_code == 404


def test_the_page_shows_the_person_and_only_candidates_the_worker_may_identify(
    partner_a, partner_b
):
    submit_record(
        actor=Actor.for_client(partner_b.onboarded.client),
        external_id="B-7",
        payload={**PERSON, "birth_place": "Quimper"},
    )
    submission = help_request(partner_a.organization)
    page = staff_client(partner_a.organization).get(page_of(submission))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Kerbrat" in body and "18/04/1962" in body  # what the citizen typed, to its CCAS
    assert "Quimper" not in body and "Rattacher à" not in body  # partner B's person: hidden
    assert "Aucune personne que vous pouvez identifier" in body
    row = AccessLog.objects.get(resource="portal_submission", action="read")
    assert row.organization_id == partner_a.organization.pk and row.user_id is not None


def test_confirm_as_new_person_through_the_admin(partner_a):
    submission = help_request(partner_a.organization)
    client = staff_client(partner_a.organization)
    url = reverse("admin:exchanges_portalsubmission_confirm", args=[submission.pk])
    response = client.post(url, {"beneficiary": "", "open_case": "on"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == "confirmed" and submission.record.organization == (
        partner_a.organization
    )
    assert AccessLog.objects.filter(resource="portal_submission", action="confirm").exists()
    assert client.post(url, {"beneficiary": ""}).status_code == 302  # already handled: a message
    assert PartnerRecord.objects.count() == 1


def test_link_to_a_candidate_through_the_admin(partner_a):
    own = submit_record(
        actor=Actor.for_client(partner_a.onboarded.client),
        external_id="A-9",
        payload={**PERSON, "first_names": "Yvonne Marie", "address": {"postcode": "69100"}},
    )
    submission = help_request(partner_a.organization)
    client = staff_client(partner_a.organization)
    body = client.get(page_of(submission)).content.decode()
    assert f'value="{own.record.beneficiary_id}"' in body
    assert AccessLog.objects.filter(resource="portal_candidates", action="search").exists()
    url = reverse("admin:exchanges_portalsubmission_confirm", args=[submission.pk])
    client.post(url, {"beneficiary": str(own.record.beneficiary_id)})
    submission.refresh_from_db()
    assert submission.status == "linked"
    assert submission.beneficiary_id == own.record.beneficiary_id


def test_reject_needs_a_reason(partner_a):
    submission = help_request(partner_a.organization)
    client = staff_client(partner_a.organization)
    url = reverse("admin:exchanges_portalsubmission_reject", args=[submission.pk])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "Indiquez le motif du rejet." in response.content.decode()
    assert PortalSubmission.objects.get().status == "pending"
    client.post(url, {"reason": "Demande en double"})
    submission.refresh_from_db()
    assert submission.status == "rejected" and submission.person == {}


def registration_request():

    commune = Partner("Ville de Villeurbanne", kind="commune").organization
    commune.insee_codes = ["69266"]
    commune.save()
    submit_registration(
        commune_insee="69266",
        person={**PERSON, "birth_date": "1940-02-02"},
        category="age_65",
        requested_by="self",
        requester=None,
        lives_alone=True,
        emergency_contact=None,
        purposes=["crisis_plan"],
        client_ip="",
    )
    return commune, PortalSubmission.objects.get()


def test_a_crisis_agent_confirms_a_registration_from_the_crisis_admin(db):
    commune, submission = registration_request()
    social_worker = staff_client(commune)  # role agent: not the register's
    assert social_worker.get(page_of(submission)).status_code == 404
    crisis_page = reverse("admin:crisis_registration_portal", args=[submission.pk])
    assert social_worker.get(crisis_page).status_code == 404
    agent = staff_client(commune, role="crisis_agent")
    assert agent.get(page_of(submission))["Location"] == crisis_page
    body = agent.get(crisis_page).content.decode()
    assert "Kerbrat" in body and "Personne de 65 ans et plus" in body
    confirm = reverse("admin:crisis_registration_portal_confirm", args=[submission.pk])
    assert agent.post(confirm).status_code == 302
    entry = Registration.objects.get()
    assert entry.status == "active" and entry.requested_by == "self"
    assert PortalSubmission.objects.get().status == "confirmed"


def test_a_crisis_agent_rejects_a_registration_request(db):
    commune, submission = registration_request()
    agent = staff_client(commune, role="crisis_agent")
    url = reverse("admin:exchanges_portalsubmission_reject", args=[submission.pk])
    assert agent.post(url, {"reason": "Personne déjà inscrite par sa fille"}).status_code == 302
    submission.refresh_from_db()
    assert submission.status == "rejected" and submission.person == {}
    assert not Registration.objects.exists()
    assert AccessLog.objects.filter(resource="portal_submission", action="reject").exists()
