"""Regression tests, one per bypass of the disclosure gate reported in the gate issue (API side).

Partner A holds the full record of a person; partner B holds a thinner record of the same person
(or pushes only a name and a birth date) and has no grant.
"""

import pytest

from consent.models import Grant
from tests.factories import record_payload

pytestmark = pytest.mark.django_db

FULL = record_payload(
    phone="0612345678",
    email="jeanne.martin@example.org",
    birth_place="Villeurbanne",
    address={"line": "3 rue de la Paix", "postcode": "69003", "city": "Lyon"},
)
THIN = {"birth_name": "Martin", "first_names": "Jeanne", "birth_date": "1984-03-12", "sex": "F"}
SECRETS = ("0612345678", "jeanne.martin@example.org", "Villeurbanne", "rue de la Paix")


@pytest.fixture
def shared(api_a, api_b):
    a = api_a.put("/api/v1/records/A-1", FULL, format="json")
    assert a.status_code == 201, a.content
    b = api_b.put("/api/v1/records/B-1", THIN, format="json")
    assert b.status_code == 201, b.content
    assert a.json()["beneficiary"] == b.json()["beneficiary"], "the two records must link"
    return a.json()["beneficiary"], b


def test_golden_record_under_own_record_basis_shows_only_the_partners_own_values(shared, api_b):
    person, _ = shared
    body = api_b.get(f"/api/v1/beneficiaries/{person}").json()
    assert body["identity"]["birth_name"] == "Martin"
    assert body["identity"]["birth_place"] == ""
    assert body["contact"]["phone"] == ""
    assert body["contact"]["email"] == ""
    assert body["contact"]["address"]["line"] == ""
    for secret in SECRETS:
        assert secret not in str(body)


def test_linking_a_name_and_birth_date_discloses_nothing_in_the_put_answer(shared):
    _, answer = shared
    body = answer.json()
    assert body["match"] == {"outcome": "created", "grade": None, "score": None}
    for secret in SECRETS:
        assert secret not in answer.content.decode()


def test_linked_partner_lists_no_grant_it_may_not_see(shared, api_a, api_b, partner_c):
    person, _ = shared
    created = api_a.post(
        f"/api/v1/beneficiaries/{person}/grants",
        {
            "basis": "consent",
            "grantee": {"type": "organization", "organization": str(partner_c.organization.pk)},
            "purposes": ["food_aid"],
            "categories": ["identity"],
            "evidence": {"method": "written", "collected_by": "Mme Durand"},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    listed = api_b.get(f"/api/v1/beneficiaries/{person}/grants")
    assert listed.status_code == 200
    assert listed.json()["results"] == []
    assert partner_c.organization.name not in listed.content.decode()


def test_linked_partner_cannot_withdraw_another_partners_grant(shared, api_a, api_b, partner_c):
    person, _ = shared
    grant = api_a.post(
        f"/api/v1/beneficiaries/{person}/grants",
        {
            "basis": "consent",
            "grantee": {"type": "organization", "organization": str(partner_c.organization.pk)},
            "purposes": ["food_aid"],
            "categories": ["identity"],
            "evidence": {"method": "written", "collected_by": "Mme Durand"},
        },
        format="json",
    ).json()
    answer = api_b.post(f"/api/v1/grants/{grant['id']}/withdraw", {}, format="json")
    assert answer.status_code == 404
    assert Grant.objects.get(pk=grant["id"]).withdrawn_at is None


def test_a_thinner_record_does_not_overwrite_the_golden_record_everyone_sees(shared, api_a):
    person, _ = shared
    api_a.put("/api/v1/records/A-2", record_payload(birth_date="1984"), format="json")
    body = api_a.get(f"/api/v1/beneficiaries/{person}").json()
    assert body["identity"]["birth_date"] == "1984-03-12"
    assert body["contact"]["address"] == {
        "line": "3 rue de la Paix",
        "postcode": "69003",
        "city": "Lyon",
        "insee_code": "",
    }


def test_match_answers_alike_for_the_right_and_a_wrong_value_of_an_unseen_field(shared, api_b):
    probe = dict(THIN)
    right = api_b.post("/api/v1/match", {"person": {**probe, "phone": "0612345678"}}, format="json")
    wrong = api_b.post("/api/v1/match", {"person": {**probe, "phone": "0698765432"}}, format="json")
    assert right.status_code == wrong.status_code == 200
    assert right.json() == wrong.json()
    assert right.json()["candidates"], "B sees the person through its own record"
    fields = {e["field"] for e in right.json()["candidates"][0]["explanation"]}
    assert "phone" not in fields or all(
        e["level"] == "missing"
        for e in right.json()["candidates"][0]["explanation"]
        if e["field"] == "phone"
    )
