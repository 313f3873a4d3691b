"""The policy stays cheap: a fixed number of queries, whatever the number of persons."""

import pytest

from consent import policy
from consent.grants import review_grant
from consent.models import Grant, GrantEvent
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, PartnerRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(partner_a, partner_b):
    people = Beneficiary.objects.bulk_create(Beneficiary(birth_name=f"P{i}") for i in range(30))
    PartnerRecord.objects.bulk_create(
        PartnerRecord(
            organization=partner_a.organization,
            external_id=f"E{i}",
            beneficiary=p,
            payload={"birth_name": f"P{i}"},
        )
        for i, p in enumerate(people[:10])
    )
    for person in people[10:20]:
        Grant.objects.create(
            beneficiary=person,
            basis="consent",
            grantee_type="organization",
            grantee_organization=partner_a.organization,
            granted_by=partner_b.organization,
            purposes=["food_aid"],
            categories=["identity"],
            valid_from="2020-01-01T00:00:00Z",
            evidence_method="written",
            collected_by_name="x",
        )
    return [p.pk for p in people]


def test_decide_many_uses_two_queries_for_any_number_of_persons(
    many, partner_a, django_assert_num_queries
):
    actor = Actor.for_client(partner_a.onboarded.client)
    with django_assert_num_queries(2):
        decisions = policy.decide_many(actor, many)
    assert sum(d.allowed for d in decisions.values()) == 20
    assert {d.basis for d in decisions.values() if d.allowed} == {"own_record", "consent"}
    assert all(decisions[pk].categories == frozenset({"identity"}) for pk in many[10:20])


def test_visible_beneficiaries_is_one_query(many, partner_a, django_assert_num_queries):
    actor = Actor.for_client(partner_a.onboarded.client)
    with django_assert_num_queries(1):
        assert len(list(policy.visible_beneficiaries(actor))) == 20


def test_audited_read_of_a_granted_person_takes_a_bounded_number_of_queries(
    person, partner_b, api_b, grant_consent, django_assert_max_num_queries
):
    grant_consent(person, partner_b.organization)
    # token + client, person with decision inputs (+ grants off PostgreSQL), lock, head, insert,
    # savepoints of the request transaction
    with django_assert_max_num_queries(10):
        assert api_b.get(f"/api/v1/beneficiaries/{person}").status_code == 200


def test_vital_interest_review_is_recorded_in_the_ledger(person, partner_a, partner_b, api_a):
    response = api_a.post(
        f"/api/v1/beneficiaries/{person}/grants",
        {
            "basis": "vital_interest",
            "grantee": {"type": "organization", "organization": str(partner_b.organization.pk)},
            "purposes": ["crisis_plan"],
            "categories": ["identity", "contact", "health"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    actor = Actor.for_client(partner_a.onboarded.client)
    grant = review_grant(actor=actor, grant_id=response.json()["id"], note="Canicule : justifié")
    assert grant.reviewed_at is not None
    assert list(GrantEvent.objects.filter(grant=grant).values_list("kind", flat=True)) == [
        "created",
        "reviewed",
    ]
