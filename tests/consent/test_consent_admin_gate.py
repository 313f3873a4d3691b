"""The consent admin through the disclosure gate (issue 8) and its pages for every role (issue 9).

Partner A (a CCAS) holds its own record of the person; partner B (an association) holds
another record of the same person; partner C (the département) holds none.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from consent.gate import masked_label
from consent.grants import record_grant
from consent.models import AccessLog, Grant
from hub.registry.actors import Actor
from hub.registry.models import Membership, PartnerRecord, Role
from tests.consent.test_consent_admin import login
from tests.factories import record_payload

pytestmark = pytest.mark.django_db


def as_org(partner) -> Actor:
    org = partner.organization.pk
    return Actor(organization_id=org, organization_ids=(org,))


def child_protection_grant(person, grantor, grantee) -> Grant:
    return record_grant(
        actor=as_org(grantor),
        beneficiary_id=person,
        basis="child_protection",
        grantee_type="organization",
        grantee_organization_id=grantee.organization.pk,
        purposes=["child_protection"],
        categories=["identity", "situation"],
        family_information="informed",
    )


@pytest.fixture
def known_to_b(person, partner_b):
    """B holds its own record of A's person (a certain match would link it so)."""
    return PartnerRecord.objects.create(
        organization=partner_b.organization,
        external_id="B-77",
        beneficiary_id=person,
        payload=record_payload(email="jeanne.b@example.org"),
    )


def changelist_ids(client, url="/admin/consent/grant/"):
    response = client.get(url)
    assert response.status_code == 200
    return {str(obj.pk) for obj in response.context["cl"].result_list}


def test_grant_list_shows_only_grants_recorded_by_or_naming_the_viewer(
    person, partner_a, partner_b, partner_c, known_to_b
):
    grant = child_protection_grant(person, partner_a, partner_c)
    agent_b = login(partner_b.organization, Role.AGENT)[0]
    agent_c = login(partner_c.organization, Role.AGENT)[0]
    agent_a = login(partner_a.organization, Role.AGENT)[0]
    # B holds a record of the person, yet A's child-protection grant to C is not B's business.
    assert str(grant.pk) not in changelist_ids(agent_b)
    page = agent_b.get(f"/admin/consent/grant/{grant.pk}/change/", follow=True)
    assert partner_c.organization.name not in page.content.decode()
    assert agent_b.get(f"/admin/consent/grant/{grant.pk}/recu/").status_code == 404
    assert str(grant.pk) in changelist_ids(agent_c)
    assert str(grant.pk) in changelist_ids(agent_a)
    superuser = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    operator = Client()
    operator.force_login(superuser)
    assert str(grant.pk) in changelist_ids(operator)


def test_grant_pages_show_the_person_only_as_the_grantee_may_see_them(person, partner_a, partner_b):
    record_grant(
        actor=as_org(partner_a),
        beneficiary_id=person,
        basis="consent",
        grantee_type="organization",
        grantee_organization_id=partner_b.organization.pk,
        purposes=["coordination"],
        categories=["support_history"],
        evidence_method="written",
        collected_by_name="Mme Durand",
    )
    agent_b, user_b = login(partner_b.organization, Role.AGENT)
    listing = agent_b.get("/admin/consent/grant/").content.decode()
    assert "MARTIN" not in listing
    assert masked_label(person) in listing
    assert "Historique d&#x27;accompagnement" in listing or "Historique d'accompagnement" in listing
    assert '["support_history"]' not in listing
    assert AccessLog.objects.filter(
        user_id=user_b.pk, resource="grant", beneficiary_id=person, decision="allow"
    ).exists()
    agent_a = login(partner_a.organization, Role.AGENT)[0]
    assert "MARTIN Jeanne" in agent_a.get("/admin/consent/grant/").content.decode()


def test_grant_detail_page_answers_200_and_names_the_person_through_the_gate(
    person, partner_a, partner_b, grant_consent
):
    grant = grant_consent(person, partner_b.organization)
    for organization in (partner_a.organization, partner_b.organization):
        client = login(organization, Role.AGENT)[0]
        page = client.get(f"/admin/consent/grant/{grant['id']}/change/")
        assert page.status_code == 200
        assert "MARTIN Jeanne" in page.content.decode()
        assert "Aide alimentaire" in page.content.decode()


def test_person_autocomplete_answers_only_persons_of_the_viewer_by_what_it_sees(
    person, partner_a, partner_b, partner_c, known_to_b
):
    agent_a = login(partner_a.organization, Role.AGENT)[0]
    answer = agent_a.get("/admin/consent/grant/personnes/?term=mart").json()
    assert answer["results"] == [{"id": person, "text": "MARTIN Jeanne"}]
    agent_c = login(partner_c.organization, Role.AGENT)[0]
    assert agent_c.get("/admin/consent/grant/personnes/?term=mart").json()["results"] == []
    # B's own record says "Martin" too; a name only A supplied is not searchable by B.
    PartnerRecord.objects.filter(external_id="B-77").update(
        payload=record_payload(birth_name="Durand-Martin", first_names="J")
    )
    agent_b = login(partner_b.organization, Role.AGENT)[0]
    assert agent_b.get("/admin/consent/grant/personnes/?term=jeanne").json()["results"] == []


def test_grant_form_preselects_the_person_from_the_url(person, partner_a):
    agent_a = login(partner_a.organization, Role.AGENT)[0]
    page = agent_a.get(f"/admin/consent/grant/add/?beneficiary={person}")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<option value="{person}" selected>MARTIN Jeanne</option>' in html
    assert "admin-autocomplete" in html


def demo_logins():
    from fixtures.demo import load_demo

    summary = load_demo(persons=60)
    users = get_user_model().objects.filter(
        username__in=[username for username, *_ in summary.staff] + [summary.admin[0]]
    )
    return list(users)


CONSENT_PAGES = [
    "/admin/consent/",
    "/admin/consent/grant/",
    "/admin/consent/grant/add/",
    "/admin/consent/grantevent/",
    "/admin/consent/accesslog/",
    "/admin/consent/accesslog/dpo/",
    "/admin/consent/accesslog/dpo/registre/",
    "/admin/consent/accesslog/dpo/integrite/",
    "/admin/consent/accesslog/dpo/conservation/",
    "/admin/consent/coordinationgroup/",
    "/admin/consent/legalhold/",
    "/admin/consent/rightsrequest/",
    "/admin/consent/rightstask/",
    "/admin/consent/retentionrun/",
    "/admin/consent/chaincheckpoint/",
]


def test_consent_pages_answer_for_every_demo_role_without_a_server_error():
    users = demo_logins()
    ccas = Membership.objects.get(user__username="agent.ccas").organization
    metropole = Membership.objects.get(user__username="dpo.metropole").organization
    record = PartnerRecord.objects.filter(organization=ccas).first()
    grant = record_grant(
        actor=Actor(organization_id=ccas.pk, organization_ids=(ccas.pk,)),
        beneficiary_id=record.beneficiary_id,
        basis="consent",
        grantee_type="organization",
        grantee_organization_id=metropole.pk,
        purposes=["coordination"],
        categories=["identity"],
        evidence_method="written",
        collected_by_name="Mme Roux",
    )
    seen_detail = set()
    roles = set(Membership.objects.filter(user__in=users).values_list("role", flat=True))
    assert roles == set(Role.values)
    for user in users:
        client = Client()  # raises on any server error
        client.force_login(user)
        statuses = {url: client.get(url).status_code for url in CONSENT_PAGES}
        assert set(statuses.values()) <= {200, 403, 404}, (user.username, statuses)
        assert client.get("/admin/").status_code == 200
        membership_roles = set(user.memberships.values_list("role", flat=True))
        if user.is_superuser or membership_roles & {"agent", "coordinator", "admin"}:
            assert statuses["/admin/consent/grant/"] == 200, user.username
            assert statuses["/admin/consent/grant/add/"] == 200, user.username
        if user.is_superuser or "dpo" in membership_roles:
            for url in CONSENT_PAGES[3:9]:
                assert statuses[url] == 200, (user.username, url)
        listing = client.get("/admin/consent/grant/")
        if listing.status_code == 200 and grant in listing.context["cl"].result_list:
            for suffix in ("change/", "recu/"):
                page = client.get(f"/admin/consent/grant/{grant.pk}/{suffix}")
                assert page.status_code == 200, (user.username, suffix)
            seen_detail.add(user.username)
    # Recorder (CCAS), grantee (Métropole) and operator read the grant's pages.
    assert {"agent.ccas", "dpo.ccas", "dpo.metropole", "admin"} <= seen_detail


def test_access_log_list_shows_french_labels_and_paris_dates(person, partner_a):
    dpo = login(partner_a.organization, Role.DPO)[0]
    html = dpo.get("/admin/consent/accesslog/").content.decode()
    assert "Données transmises par l&#x27;organisation elle-même" in html or (
        "Données transmises par l'organisation elle-même" in html
    )
    assert "own_record" not in html
    assert "Autorisé" in html
    row = AccessLog.objects.filter(resource="record").first() or AccessLog.objects.first()
    detail = dpo.get(f"/admin/consent/accesslog/{row.pk}/change/").content.decode()
    assert f"{row.action} {row.resource} {row.decision}" not in detail
    assert "Autorisé" in detail and "own_record" not in detail
    export = json.loads(dpo.get("/admin/consent/accesslog/export.json").content)
    assert export[0]["at"].endswith(("+01:00", "+02:00"))


def test_dpo_finds_a_person_by_name_not_by_a_pasted_uuid(person, partner_a, partner_b, known_to_b):
    dpo_a = login(partner_a.organization, Role.DPO)[0]
    answer = dpo_a.get("/admin/consent/accesslog/dpo/personnes/?term=mart").json()
    assert answer["results"] == [{"id": person, "text": "MARTIN Jeanne"}]
    index = dpo_a.get(f"/admin/consent/accesslog/dpo/?person={person}")
    assert index.status_code == 302
    assert index["Location"].endswith(f"/dpo/personne/{person}/")
    assert "admin-autocomplete" in dpo_a.get("/admin/consent/accesslog/dpo/").content.decode()
    agent_a = login(partner_a.organization, Role.AGENT)[0]
    assert agent_a.get("/admin/consent/accesslog/dpo/personnes/?term=mart").status_code == 403
    # B's DPO holds its own record: B's own name for the person only.
    PartnerRecord.objects.filter(external_id="B-77").update(
        payload=record_payload(birth_name="Durand", first_names="J")
    )
    dpo_b = login(partner_b.organization, Role.DPO)[0]
    assert dpo_b.get("/admin/consent/accesslog/dpo/personnes/?term=mart").json()["results"] == []
