"""The gate's per-viewer golden record and its cost."""

import pytest

from consent import gate
from consent.grants import record_grant
from exchanges.records import submit_record
from hub.registry.actors import Actor
from tests.factories import record_payload

pytestmark = pytest.mark.django_db


def actor(partner) -> Actor:
    return Actor.for_client(partner.onboarded.client)


def test_a_grant_covering_contact_discloses_others_contact_values_and_nothing_else(
    partner_a, partner_b
):
    person = submit_record(
        actor=actor(partner_a),
        external_id="A-1",
        payload=record_payload(phone="0612345678", birth_place="Bron"),
    ).record.beneficiary_id
    submit_record(
        actor=actor(partner_b), external_id="B-1", payload=record_payload()
    )  # links: B now holds its own, thinner record
    view = gate.views(actor(partner_b), [person])[person]
    assert view.own and view.value("phone") == "" and view.value("birth_place") == ""
    record_grant(
        actor=actor(partner_a),
        beneficiary_id=person,
        basis="consent",
        grantee_type="organization",
        grantee_organization_id=partner_b.organization.pk,
        purposes=["food_aid"],
        categories=["contact"],
        evidence_method="written",
        collected_by_name="Mme Durand",
    )
    view = gate.views(actor(partner_b), [person])[person]
    assert view.value("phone") == "0612345678"
    assert view.value("birth_place") == ""  # identity of others is still not granted
    assert view.label == "MARTIN Jeanne"


def test_a_person_seen_without_identity_is_labelled_masked(partner_a, partner_b):
    person = submit_record(
        actor=actor(partner_a), external_id="A-1", payload=record_payload()
    ).record.beneficiary_id
    record_grant(
        actor=actor(partner_a),
        beneficiary_id=person,
        basis="consent",
        grantee_type="organization",
        grantee_organization_id=partner_b.organization.pk,
        purposes=["coordination"],
        categories=["support_history"],
        evidence_method="written",
        collected_by_name="Mme Durand",
    )
    view = gate.views(actor(partner_b), [person])[person]
    assert "Martin" not in view.label and "identité non communiquée" in view.label
    assert not gate.identifiable(actor(partner_b)).filter(pk=person).exists()
    assert gate.visible(actor(partner_b)).filter(pk=person).exists()


def test_views_of_a_page_cost_three_queries_whatever_its_size(partner_a, django_assert_num_queries):
    a = actor(partner_a)
    ids = [
        submit_record(
            actor=a,
            external_id=f"A-{i}",
            payload=record_payload(
                birth_name=f"Nom{i}x",
                first_names=f"Pre{i}y",
                birth_date=f"19{10 + i}-01-0{1 + i % 9}",
            ),
        ).record.beneficiary_id
        for i in range(15)
    ]
    with django_assert_num_queries(3):
        views = gate.views(a, ids)
    assert len(views) == 15


@pytest.mark.postgres
def test_the_one_statement_read_answers_as_the_page_read(partner_a, partner_b, partner_c):
    from consent.gate import _one_view

    person = submit_record(
        actor=actor(partner_a),
        external_id="A-1",
        payload=record_payload(phone="0612345678", birth_place="Bron"),
    ).record.beneficiary_id
    submit_record(actor=actor(partner_b), external_id="B-1", payload=record_payload())
    record_grant(
        actor=actor(partner_a),
        beneficiary_id=person,
        basis="consent",
        grantee_type="organization",
        grantee_organization_id=partner_c.organization.pk,
        purposes=["food_aid"],
        categories=["identity"],
        evidence_method="written",
        collected_by_name="Mme Durand",
    )
    for partner in (partner_a, partner_b, partner_c):
        for purpose in ("", "food_aid", "shelter"):
            page = gate.views(actor(partner), [person], purpose=purpose).get(person)
            one = _one_view(actor(partner), person, purpose)
            assert (one is None) == (page is None), (partner, purpose)
            if one is not None:
                assert one.fields == page.fields and one.granted == page.granted
                assert one.decision == page.decision and one.own == page.own


def test_an_erased_own_record_no_longer_opens_the_person(partner_a, partner_b):
    """After B erases its record (right to erasure), B's empty shell of a record neither lets
    it find the person by name nor read what A holds."""
    from consent.rights import anonymise_records

    person = submit_record(
        actor=actor(partner_a), external_id="A-1", payload=record_payload()
    ).record.beneficiary_id
    submit_record(actor=actor(partner_b), external_id="B-1", payload=record_payload())
    b = actor(partner_b)
    assert gate.identifiable(b).filter(pk=person).exists()
    assert person in gate.views(b, [person])
    anonymise_records(
        actor=b,
        beneficiary_id=person,
        organization_ids=[partner_b.organization.pk],
        reason="demande d'effacement",
    )
    assert not gate.identifiable(b).filter(pk=person).exists()
    assert not gate.visible(b).filter(pk=person).exists()
    assert gate.views(b, [person]) == {}
    assert gate.disclose(actor=b, beneficiary_id=person, resource="beneficiary") is None
    assert gate.views(actor(partner_a), [person])[person].label == "MARTIN Jeanne"


def test_after_a_merge_the_survivor_is_listed_for_the_holder_of_the_merged_record(
    partner_a, partner_b
):
    """Lists (visible, identifiable) and pages (views) agree on a merged person: B, whose record
    sits on the person merged away, finds the survivor, reads its own values, and the merged
    shell still answers B's lists while A's lists are unchanged."""
    from hub.registry.merging import merge

    survivor = submit_record(
        actor=actor(partner_a), external_id="A-1", payload=record_payload()
    ).record.beneficiary_id
    merged = submit_record(
        actor=actor(partner_b),
        external_id="B-1",
        payload=record_payload(
            birth_name="Garnier",
            first_names="Paulette",
            birth_date="1950-07-01",
            address={"line": "8 avenue Jean Jaurès", "postcode": "69100", "city": "Villeurbanne"},
        ),
    ).record.beneficiary_id
    assert merged != survivor
    b = actor(partner_b)
    assert not gate.visible(b).filter(pk=survivor).exists()
    merge(source_id=merged, target_id=survivor)
    assert gate.visible(b).filter(pk=survivor).exists()
    assert gate.identifiable(b).filter(pk=survivor).exists()
    view = gate.views(b, [survivor])[survivor]
    assert view.own and view.value("first_names") == "Paulette"
    assert not gate.visible(actor(partner_a)).filter(pk=merged).exists()
