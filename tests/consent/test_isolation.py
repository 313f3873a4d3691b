"""Who sees a person: own records, grants, withdrawal and expiry, reduced categories."""

import datetime as dt

import pytest
from django.utils import timezone

from consent.models import AccessLog, Grant

pytestmark = pytest.mark.django_db


def test_partner_without_grant_gets_404_exactly_like_a_missing_person(person, api_b):
    hidden = api_b.get(f"/api/v1/beneficiaries/{person}")
    missing = api_b.get("/api/v1/beneficiaries/00000000-0000-0000-0000-000000000000")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"] == missing.json()["detail"]
    assert hidden["Content-Type"] == "application/problem+json"


def test_denied_read_is_logged_as_deny_although_the_answer_is_404(person, api_b, partner_b):
    api_b.get(f"/api/v1/beneficiaries/{person}", HTTP_X_REQUEST_ID="req-deny-1")
    row = AccessLog.objects.get(request_id="req-deny-1")
    assert row.decision == "deny"
    assert str(row.beneficiary_id) == person
    assert row.organization_id == partner_b.organization.pk


def test_owner_sees_every_category_of_its_own_person(person, api_a):
    body = api_a.get(f"/api/v1/beneficiaries/{person}").json()
    assert body["identity"]["birth_name"] == "Martin"
    assert body["contact"]["phone"] == "0612345678"
    assert "health" in body["categories"]


def test_consent_collected_by_a_lets_b_see_identity_and_contact_for_food_aid(
    person, api_b, partner_b, grant_consent
):
    grant = grant_consent(person, partner_b.organization)
    response = api_b.get(f"/api/v1/beneficiaries/{person}", HTTP_X_REQUEST_ID="req-allow-1")
    assert response.status_code == 200
    body = response.json()
    assert body["identity"]["birth_name"] == "Martin"
    assert body["contact"]["phone"] == "0612345678"
    assert body["categories"] == ["contact", "identity"]
    row = AccessLog.objects.get(request_id="req-allow-1")
    assert (row.decision, row.basis, str(row.grant_id)) == ("allow", "consent", grant["id"])


def test_shelter_grant_without_health_shows_no_health_and_nothing_outside_it(
    person, api_b, partner_b, grant_consent
):
    grant_consent(person, partner_b.organization, purposes=["shelter"], categories=["identity"])
    body = api_b.get(f"/api/v1/beneficiaries/{person}").json()
    assert "health" not in body["categories"]
    assert body["categories"] == ["identity"]
    assert body["contact"] is None
    assert body["identity"]["first_names"] == "Jeanne"


def test_grant_for_another_purpose_does_not_open_this_purpose(
    person, api_b, partner_b, grant_consent
):
    grant_consent(person, partner_b.organization, purposes=["shelter"])
    assert api_b.get(f"/api/v1/beneficiaries/{person}?purpose=shelter").status_code == 200
    assert api_b.get(f"/api/v1/beneficiaries/{person}?purpose=food_aid").status_code == 404


def test_unknown_purpose_is_a_problem_naming_the_field(person, api_a):
    response = api_a.get(f"/api/v1/beneficiaries/{person}?purpose=gossip")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "purpose"


def test_withdrawn_consent_hides_the_person_on_the_very_next_request(
    person, api_a, api_b, partner_b, grant_consent
):
    grant = grant_consent(person, partner_b.organization)
    assert api_b.get(f"/api/v1/beneficiaries/{person}").status_code == 200
    withdrawn = api_a.post(
        f"/api/v1/grants/{grant['id']}/withdraw", {"reason": "oral"}, format="json"
    )
    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["status"] == "withdrawn"
    assert api_b.get(f"/api/v1/beneficiaries/{person}").status_code == 404


def test_expired_consent_hides_the_person_without_any_job(person, api_b, partner_b, grant_consent):
    grant = grant_consent(person, partner_b.organization)
    assert api_b.get(f"/api/v1/beneficiaries/{person}").status_code == 200
    # Time passes: the period ends (the grant row is not append-only; only its ledger is).
    Grant.objects.filter(pk=grant["id"]).update(
        valid_from=timezone.now() - dt.timedelta(days=400),
        valid_until=timezone.now() - dt.timedelta(seconds=1),
    )
    assert api_b.get(f"/api/v1/beneficiaries/{person}").status_code == 404
    assert Grant.objects.get(pk=grant["id"]).status == "expired"


def test_consent_expires_by_default_after_the_configured_days(
    person, partner_b, grant_consent, settings
):
    settings.CONSENT_DEFAULT_DAYS = 30
    grant = Grant.objects.get(pk=grant_consent(person, partner_b.organization)["id"])
    assert grant.valid_until - grant.valid_from == dt.timedelta(days=30)


def test_grant_to_a_kind_of_partner_opens_every_partner_of_that_kind(person, partner_b, api_a):
    response = api_a.post(
        f"/api/v1/beneficiaries/{person}/grants",
        {
            "basis": "consent",
            "grantee": {"type": "kind", "kind": "association"},
            "purposes": ["food_aid"],
            "categories": ["identity"],
            "evidence": {"method": "oral", "collected_by": "M. Petit"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert partner_b.api().get(f"/api/v1/beneficiaries/{person}").status_code == 200


def test_grantee_cannot_record_grants_for_a_person_it_only_sees_through_a_grant(
    person, partner_b, partner_c, grant_consent
):
    grant_consent(person, partner_b.organization)
    response = partner_b.api().post(
        f"/api/v1/beneficiaries/{person}/grants",
        {
            "basis": "consent",
            "grantee": {"type": "organization", "organization": str(partner_c.organization.pk)},
            "purposes": ["food_aid"],
            "categories": ["identity"],
            "evidence": {"method": "oral", "collected_by": "X"},
        },
        format="json",
    )
    assert response.status_code == 403
    assert Grant.objects.count() == 1


def test_stranger_cannot_withdraw_nor_list_grants(person, partner_b, partner_c, grant_consent):
    grant = grant_consent(person, partner_b.organization)
    api_c = partner_c.api()
    refused = api_c.post(f"/api/v1/grants/{grant['id']}/withdraw", HTTP_X_REQUEST_ID="req-w")
    assert refused.status_code == 404
    assert AccessLog.objects.get(request_id="req-w").decision == "deny"
    assert api_c.get(f"/api/v1/beneficiaries/{person}/grants").status_code == 404
    assert Grant.objects.get(pk=grant["id"]).withdrawn_at is None


def test_grantee_lists_only_the_grants_naming_it(
    person, partner_b, partner_c, api_a, grant_consent
):
    grant_consent(person, partner_b.organization)
    grant_consent(person, partner_c.organization, purposes=["insertion"])
    assert len(api_a.get(f"/api/v1/beneficiaries/{person}/grants").json()["results"]) == 2
    listed = partner_b.api().get(f"/api/v1/beneficiaries/{person}/grants").json()["results"]
    assert [g["grantee"]["organization"] for g in listed] == [str(partner_b.organization.pk)]


def test_withdrawing_twice_changes_nothing_more(person, partner_b, api_a, grant_consent):
    grant = grant_consent(person, partner_b.organization)
    first = api_a.post(f"/api/v1/grants/{grant['id']}/withdraw").json()
    second = api_a.post(f"/api/v1/grants/{grant['id']}/withdraw").json()
    assert first["withdrawn_at"] == second["withdrawn_at"]
    assert Grant.objects.get(pk=grant["id"]).events.count() == 2


def test_consent_receipt_carries_the_kantara_fields(person, partner_b, api_a, grant_consent):
    grant = grant_consent(person, partner_b.organization)
    receipt = api_a.get(f"/api/v1/grants/{grant['id']}/receipt").json()
    for name in (
        "version",
        "jurisdiction",
        "consentTimestamp",
        "collectionMethod",
        "consentReceiptID",
        "piiPrincipalId",
        "piiControllers",
        "services",
        "sensitive",
        "spiCat",
    ):
        assert name in receipt
    assert receipt["services"][0]["purposes"][0]["thirdPartyName"] == partner_b.organization.name


def test_visible_beneficiaries_include_persons_granted_to_the_actor(
    person, partner_b, grant_consent
):
    from consent import policy
    from hub.registry.actors import Actor

    actor = Actor.for_client(partner_b.onboarded.client)
    assert not policy.visible_beneficiaries(actor).filter(pk=person).exists()
    grant_consent(person, partner_b.organization)
    assert policy.visible_beneficiaries(actor).filter(pk=person).exists()


def test_decide_many_matches_decide_for_every_person(
    person, partner_a, partner_b, api_a, grant_consent
):
    from consent import policy
    from hub.registry.actors import Actor
    from tests.factories import record_payload

    other = api_a.put("/api/v1/records/A-2", record_payload(birth_name="Zola"), format="json")
    other = other.json()["beneficiary"]
    grant_consent(person, partner_b.organization)
    actor = Actor.for_client(partner_b.onboarded.client)
    many = policy.decide_many(actor, [person, other, "not-a-uuid"])
    assert len(many) == 2
    for pk, decision in many.items():
        assert decision == policy.decide(actor, pk)
    assert [d.allowed for d in many.values()] == [True, False]


def test_operational_purpose_of_a_face_matches_any_active_grant(person, partner_b, grant_consent):
    from consent import policy
    from hub.registry.actors import Actor

    grant_consent(person, partner_b.organization, purposes=["shelter"])
    actor = Actor.for_client(partner_b.onboarded.client)
    assert policy.decide(actor, person, purpose="referral").allowed
    assert policy.decide(actor, person, purpose="shelter").allowed
    assert not policy.decide(actor, person, purpose="food_aid").allowed
