"""The exchanges admin through the disclosure gate (issue 8): what alerts and referrals reveal
is decided at read time, and a case changed in the admin goes through the case service."""

from __future__ import annotations

import pytest
from django.test import Client

from consent.gate import masked_label
from consent.grants import withdraw_grant
from consent.models import AccessLog
from exchanges.cases import case_etag
from exchanges.models import Case, OverlapAlert, Referral
from hub.outbox.models import Event
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, Role
from hub.registry.roles import ensure_role_groups, sync_user_role_groups
from tests.exchanges.conftest import also_known_by, consent_for, person
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def member(organization, role=Role.COORDINATOR):
    """A staff member with the real permissions of their role."""
    membership = MembershipFactory(organization=organization, role=role)
    membership.user.save()  # the factory sets the password without saving it
    ensure_role_groups()
    sync_user_role_groups(membership.user)
    client = Client()
    client.force_login(membership.user)
    return client, membership.user


def as_org(partner) -> Actor:
    org = partner.organization.pk
    return Actor(organization_id=org, organization_ids=(org,))


def golden_label(beneficiary_id) -> str:
    person = Beneficiary.objects.get(pk=beneficiary_id)
    return f"{person.birth_name.upper()} {person.first_names}"


def open_case(partner, beneficiary, type="food_aid") -> dict:
    response = partner.api().post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": type}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def overlap(partner_a, partner_b):
    """A person both partners hold a record of, supported by both for food aid; A recorded
    the person's consent to coordination with B (support history)."""
    beneficiary = person(partner_a)
    also_known_by(partner_b, beneficiary)
    grant = consent_for(partner_a, beneficiary, partner_b, ["coordination"], ["support_history"])
    case_b = open_case(partner_b, beneficiary)
    case_a = open_case(partner_a, beneficiary)
    assert OverlapAlert.objects.count() == 2
    return {"beneficiary": beneficiary, "grant": grant, "case_a": case_a, "case_b": case_b}


def test_overlap_alert_hides_the_partner_on_the_next_request_after_a_withdrawal(
    partner_a, partner_b, overlap
):
    client, user = member(partner_b.organization)
    before = client.get("/admin/exchanges/overlapalert/")
    assert before.status_code == 200
    assert before.context["cl"].result_count == 1
    assert partner_a.organization.name in before.content.decode()
    alert = OverlapAlert.objects.get(organization=partner_b.organization)
    detail = client.get(f"/admin/exchanges/overlapalert/{alert.pk}/change/")
    assert partner_a.organization.name in detail.content.decode()
    assert AccessLog.objects.filter(
        user_id=user.pk, resource="overlap_alert", beneficiary_id=overlap["beneficiary"]
    ).exists()

    withdraw_grant(actor=as_org(partner_a), grant_id=overlap["grant"].pk, reason="retrait")

    after = client.get("/admin/exchanges/overlapalert/").content.decode()
    assert partner_a.organization.name not in after
    assert "demander le consentement" in after
    detail = client.get(f"/admin/exchanges/overlapalert/{alert.pk}/change/").content.decode()
    assert partner_a.organization.name not in detail


def test_referral_names_the_person_for_the_receiver_only_while_a_grant_allows_it(
    partner_a, partner_b
):
    beneficiary = person(partner_a)
    grant = consent_for(partner_a, beneficiary, partner_b, ["shelter"], ["identity", "contact"])
    response = partner_a.api().post(
        "/api/v1/referrals",
        {
            "beneficiary": beneficiary,
            "receiver": str(partner_b.organization.pk),
            "case_type": "emergency_shelter",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    name = golden_label(beneficiary)
    receiver, user = member(partner_b.organization, Role.AGENT)
    sender = member(partner_a.organization, Role.AGENT)[0]
    assert name in receiver.get("/admin/exchanges/referral/").content.decode()
    assert AccessLog.objects.filter(
        user_id=user.pk, resource="referral", beneficiary_id=beneficiary, decision="allow"
    ).exists()

    withdraw_grant(actor=as_org(partner_a), grant_id=grant.pk, reason="retrait")

    listing = receiver.get("/admin/exchanges/referral/").content.decode()
    detail = receiver.get(f"/admin/exchanges/referral/{referral.pk}/change/").content.decode()
    for page in (listing, detail):
        assert name not in page
        assert masked_label(beneficiary) in page
    assert name in sender.get("/admin/exchanges/referral/").content.decode()


def test_closing_a_case_in_the_admin_goes_through_the_service(partner_a, partner_b, overlap):
    case = Case.objects.get(pk=overlap["case_a"]["id"])
    old_etag = case_etag(case)
    client, user = member(partner_a.organization, Role.AGENT)
    assert overlap["beneficiary"] and golden_label(overlap["beneficiary"]) in (
        client.get("/admin/exchanges/case/").content.decode()
    )
    response = client.post(
        f"/admin/exchanges/case/{case.pk}/change/",
        {
            "status": "closed",
            "start_date": case.start_date.isoformat(),
            "end_date": "",
            "referent": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert (case.status, case.version) == ("closed", 2)
    assert case.end_date is not None
    assert Event.objects.filter(type="case.closed", subject_id=str(case.pk)).count() == 1
    assert AccessLog.objects.filter(
        user_id=user.pk, action="write", resource="case", beneficiary_id=case.beneficiary_id
    ).exists()
    assert not OverlapAlert.objects.filter(resolved_at__isnull=True).exists()
    stale = partner_a.api().patch(
        f"/api/v1/cases/{case.pk}",
        {"referent": "Mme X"},
        format="json",
        HTTP_IF_MATCH=old_etag,
    )
    assert stale.status_code == 412


def test_changing_a_case_in_the_admin_emits_case_updated_and_refuses_bad_dates(partner_a):
    beneficiary = person(partner_a)
    case = Case.objects.get(pk=open_case(partner_a, beneficiary)["id"])
    client = member(partner_a.organization, Role.AGENT)[0]
    url = f"/admin/exchanges/case/{case.pk}/change/"
    bad = client.post(
        url,
        {"status": "open", "start_date": "2026-05-10", "end_date": "2026-05-01", "referent": ""},
    )
    assert bad.status_code == 200
    case.refresh_from_db()
    assert case.version == 1
    ok = client.post(
        url,
        {"status": "suspended", "start_date": case.start_date.isoformat(), "referent": "M. Roux"},
    )
    assert ok.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.referent, case.version) == ("suspended", "M. Roux", 2)
    assert Event.objects.filter(type="case.updated", subject_id=str(case.pk)).count() == 1


def test_another_partner_cannot_change_or_even_see_a_case(partner_a, partner_b):
    beneficiary = person(partner_a)
    also_known_by(partner_b, beneficiary)
    case = Case.objects.get(pk=open_case(partner_a, beneficiary)["id"])
    client = member(partner_b.organization, Role.AGENT)[0]
    assert client.get("/admin/exchanges/case/").context["cl"].result_count == 0
    client.post(
        f"/admin/exchanges/case/{case.pk}/change/",
        {"status": "closed", "start_date": case.start_date.isoformat()},
    )
    case.refresh_from_db()
    assert (case.status, case.version) == ("open", 1)
