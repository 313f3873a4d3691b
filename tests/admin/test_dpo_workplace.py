"""The DPO's tools on the admin index, readable art. 15 reports and their exports for the
person, the retention simulation as a table; withdrawing one consent from its page."""

import html

import pytest
from django.test import Client

from consent.models import Grant
from tests.admin import workplace_world as ww

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return ww.build()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def test_dpo_tools_are_on_the_admin_index_for_the_dpo_only(world):
    dpo_index = text_of(login(world.users["dpo"]).get("/admin/"))
    assert "Outils du délégué à la protection des données" in dpo_index
    for url in (
        "/admin/consent/accesslog/dpo/",
        "/admin/consent/accesslog/dpo/conservation/",
        "/admin/consent/accesslog/dpo/registre/",
    ):
        assert url in dpo_index
    agent_index = text_of(login(world.users["a"]).get("/admin/"))
    assert "Outils du délégué à la protection des données" not in agent_index
    assert 'data-tool="send-referral"' in agent_index
    assert 'data-tool="alerts-to-handle"' in agent_index


def test_retention_simulation_is_a_table(world):
    response = login(world.users["dpo"]).get("/admin/consent/accesslog/dpo/conservation/")
    assert response.status_code == 200
    text = text_of(response)
    assert 'id="retention-categories"' in text
    assert "Journal des accès" in text
    assert " jours" in text
    assert '"active_data"' not in text and "retention_days" not in text  # no JSON dump


def test_art15_report_is_readable_and_printable_for_the_person(world):
    dpo = login(world.users["dpo"])
    base = f"/admin/consent/accesslog/dpo/personne/{world.person}/"
    page = text_of(dpo.get(base))
    assert "Version imprimable pour la personne" in page
    printed = dpo.get(f"{base}?format=print")
    assert printed.status_code == 200
    text = text_of(printed)
    assert "Qui a consulté ou reçu vos informations" in text
    assert "Consentement" in text  # the consent to B, by its French label
    assert ww.NAME.upper() in text
    for code in ("own_record", "support_history", '"consent"', "disclose"):
        assert code not in text, code
    csv_text = b"".join(dpo.get(f"{base}?format=csv").streaming_content).decode()
    header = csv_text.splitlines()[0]
    assert header.startswith("Date,Organisation,Utilisateur,Action")
    assert "own_record" not in csv_text
    assert "T" not in csv_text.splitlines()[1].split(",")[0]  # a French date, not ISO


def test_art15_report_of_a_person_of_another_organization_is_refused(world):
    dpo_c = ww.staff(world.c, "dpo.c", "dpo")
    response = login(dpo_c).get(f"/admin/consent/accesslog/dpo/personne/{world.person}/")
    assert response.status_code == 404
    assert ww.NAME.upper() not in text_of(response).upper()


def test_withdraw_one_consent_from_its_page(world):
    grant = Grant.objects.get(grantee_organization=world.b.organization)
    client = login(world.users["a"])
    url = f"/admin/consent/grant/{grant.pk}/retirer/"
    change = text_of(client.get(f"/admin/consent/grant/{grant.pk}/change/"))
    assert 'data-action="withdraw-grant"' in change
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "Indiquez le motif du retrait" in text_of(response)
    grant.refresh_from_db()
    assert grant.withdrawn_at is None
    response = client.post(url, {"reason": "La personne retire son accord au téléphone"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.withdrawn_at is not None
    assert grant.events.filter(kind="withdrawn").exists()


def test_a_stranger_cannot_withdraw(world):
    grant = Grant.objects.get(grantee_organization=world.b.organization)
    response = login(world.users["c"]).post(
        f"/admin/consent/grant/{grant.pk}/retirer/", {"reason": "x"}
    )
    assert response.status_code == 404
    grant.refresh_from_db()
    assert grant.withdrawn_at is None
