"""The person-centred page: identity as the gate allows, then records, cases, referrals,
alerts, consents, duplicates, crisis register and access history, each with its actions; only
what the gate allows, in a bounded number of queries."""

import html

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from consent.grants import record_grant
from exchanges.cases import open_case
from exchanges.referrals import send_referral
from tests.admin import workplace_world as ww

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return ww.build()


def page(user, person) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(f"/admin/registry/beneficiary/{person}/change/")
    return response.status_code, html.unescape(response.content.decode())


def test_owner_sees_every_section_with_its_actions(world):
    open_case(actor=world.actor(world.a), beneficiary_id=world.person, type="food_aid")
    status, text = page(world.users["a"], world.person)
    assert status == 200
    assert ww.NAME.upper() in text
    for title in (
        "Accompagnements",
        "Orientations",
        "Alertes de chevauchement",
        "Consentements et bases légales",
        "Doublons possibles",
    ):
        assert f">{title}</h2>" in text, title
    assert f"/admin/exchanges/case/add/?beneficiary={world.person}" in text
    assert f"/admin/exchanges/referral/add/?beneficiary={world.person}" in text
    assert f"/admin/consent/grant/add/?beneficiary={world.person}" in text
    assert 'data-action="withdraw-grant"' in text  # the consent to B, withdrawable
    assert "Association Atelier-B" in text  # as the grantee of the consent
    assert "Aide alimentaire" in text
    assert "Historique des accès" not in text  # not a DPO


def test_dpo_sees_the_access_history(world):
    status, text = page(world.users["dpo"], world.person)
    assert status == 200
    assert ">Historique des accès</h2>" in text
    assert f"/admin/consent/accesslog/dpo/personne/{world.person}/" in text
    assert "Ouvrir un accompagnement" not in text  # the DPO changes nothing


def test_partner_under_a_support_grant_sees_the_partners_case_but_not_without(world):
    open_case(actor=world.actor(world.a), beneficiary_id=world.person, type="food_aid")
    open_case(actor=world.actor(world.b), beneficiary_id=world.person, type="food_aid")
    _status, text_b = page(world.users["b"], world.person)
    assert "CCAS Atelier-A" in text_b  # B's consent covers the support history
    assert "accompagnement d'un partenaire" in text_b
    # A holds no grant on what B does: B's case stays hidden from A, with the advice.
    _status, text_a = page(world.users["a"], world.person)
    assert "accompagnement d'un partenaire" not in text_a
    assert "Les accompagnements des autres partenaires ne sont pas communiqués" in text_a


def test_partner_with_support_history_only_sees_the_masked_label_and_no_foreign_record(world):
    record_grant(
        actor=world.actor(world.a),
        beneficiary_id=world.person,
        basis="consent",
        grantee_type="organization",
        grantee_organization_id=world.c.organization.pk,
        purposes=["coordination"],
        categories=["support_history"],
        evidence_method="written",
        collected_by_name="Mme Durand",
    )
    status, text = page(world.users["c"], world.person)
    assert status == 200
    assert ww.NAME.upper() not in text.upper()
    assert ww.FIRST not in text
    assert "A-QUESNEL" not in text  # A's external id
    assert "contenu non communiqué" in text


def test_stranger_cannot_open_the_page(world):
    client = Client()
    client.force_login(world.users["c"])
    response = client.get(f"/admin/registry/beneficiary/{world.person}/change/", follow=True)
    text = html.unescape(response.content.decode())
    assert ww.NAME.upper() not in text.upper()
    notes = [str(m) for m in response.context["messages"]]
    assert response.redirect_chain[-1][0] == "/admin/"
    assert any("n’existe pas" in note or "n'existe pas" in note for note in notes), notes


def _count(user, person) -> int:
    client = Client()
    client.force_login(user)
    client.get("/admin/")  # session and permission caches warm
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/admin/registry/beneficiary/{person}/change/")
    assert response.status_code == 200
    return len(queries)


def test_page_queries_do_not_grow_with_its_rows(world):
    actor = world.actor(world.a)
    open_case(actor=actor, beneficiary_id=world.person, type="food_aid")
    send_referral(
        actor=actor,
        beneficiary_id=world.person,
        receiver_id=world.b.organization.pk,
        case_type="emergency_shelter",
        message="Hébergement",
    )
    few = _count(world.users["a"], world.person)
    for case_type in ("housing", "social_support", "financial_aid"):
        open_case(actor=actor, beneficiary_id=world.person, type=case_type)
        send_referral(
            actor=actor,
            beneficiary_id=world.person,
            receiver_id=world.b.organization.pk,
            case_type=case_type,
            message="Suivi",
        )
        ww.consent_to(world, world.b, categories=["identity"], purposes=["coordination"])
    many = _count(world.users["a"], world.person)
    assert many == few, f"{few} queries with one row per section, {many} with four"
