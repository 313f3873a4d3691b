"""Referral and case forms in the admin go through the API's services, answer French errors on
the field they name, write nothing on an error, and refuse another organization's objects with
a French page."""

import datetime as dt
import html

import pytest
from django.test import Client

from consent.models import AccessLog
from exchanges.models import Case, CaseStatus, Referral, ReferralStatus
from exchanges.referrals import send_referral
from hub.outbox.models import Event
from tests.admin import workplace_world as ww

pytestmark = pytest.mark.django_db

REFERRAL_ADD = "/admin/exchanges/referral/add/"
CASE_ADD = "/admin/exchanges/case/add/"


@pytest.fixture
def world():
    return ww.build()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def referral_body(world, **overrides):
    body = {
        "sender": str(world.a.organization.pk),
        "beneficiary_id": str(world.person),
        "receiver": str(world.b.organization.pk),
        "case_type": "emergency_shelter",
        "message": "Sans solution d'hébergement depuis lundi",
    }
    body.update(overrides)
    return body


def sent(world) -> Referral:
    return send_referral(
        actor=world.actor(world.a),
        beneficiary_id=world.person,
        receiver_id=world.b.organization.pk,
        case_type="emergency_shelter",
        message="Hébergement",
    )


def test_referral_form_preselects_the_person_by_name_through_the_gate(world):
    page = login(world.users["a"]).get(f"{REFERRAL_ADD}?beneficiary={world.person}")
    assert page.status_code == 200
    text = page.content.decode()
    assert ww.NAME.upper() in text.upper()
    assert "organisation destinataire" in text
    assert "/admin/exchanges/referral/personnes/" in text  # the autocomplete, not a UUID field


def test_sending_a_referral_goes_through_the_service(world):
    before = AccessLog.objects.count()
    response = login(world.users["a"]).post(REFERRAL_ADD, referral_body(world))
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/exchanges/referral/{referral.pk}/change/"
    assert referral.status == ReferralStatus.SENT
    assert referral.basis == "consent"
    assert referral.steps.count() == 1
    assert Event.objects.filter(type="referral.sent", subject_id=referral.pk).exists()
    assert AccessLog.objects.filter(resource="referral", action="disclose").count() == 1
    assert AccessLog.objects.count() > before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"message": ""}, "message", "Indiquez le motif de l'orientation."),
        ({"beneficiary_id": ""}, "beneficiary_id", "Choisissez la personne."),
        ({"case_type": "spa"}, "case_type", "Sélectionnez un choix valide"),
    ],
)
def test_referral_form_names_the_field_in_french(world, overrides, field, message):
    response = login(world.users["a"]).post(REFERRAL_ADD, referral_body(world, **overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not Referral.objects.exists()


def test_referral_to_a_partner_without_basis_is_refused_on_the_receiver(world):
    response = login(world.users["a"]).post(
        REFERRAL_ADD, referral_body(world, receiver=str(world.c.organization.pk))
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Aucune base légale" in errors["receiver"][0]
    assert not Referral.objects.exists()
    assert not Event.objects.filter(type="referral.sent").exists()


def test_referral_of_a_person_the_sender_may_not_see_is_refused(world):
    response = login(world.users["c"]).post(
        REFERRAL_ADD,
        referral_body(
            world, sender=str(world.c.organization.pk), receiver=str(world.b.organization.pk)
        ),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Personne inconnue" in errors["beneficiary_id"][0]
    assert not Referral.objects.exists()


def test_receiver_sees_accept_and_decline_and_sender_sees_cancel(world):
    referral = sent(world)
    url = f"/admin/exchanges/referral/{referral.pk}/change/"
    receiver_page = html.unescape(login(world.users["b"]).get(url).content.decode())
    sender_page = html.unescape(login(world.users["a"]).get(url).content.decode())
    assert "Accepter l'orientation" in receiver_page
    assert "Refuser l'orientation" in receiver_page
    assert "Annuler l'orientation" not in receiver_page
    assert "Annuler l'orientation" in sender_page
    assert "Accepter l'orientation" not in sender_page


def test_decline_needs_a_reason_in_french_then_declines(world):
    referral = sent(world)
    url = f"/admin/exchanges/referral/{referral.pk}/action/decline/"
    client = login(world.users["b"])
    response = client.post(url, {"reason": "", "comment": ""})
    assert response.status_code == 200
    assert "Choisissez le motif du refus." in html.unescape(response.content.decode())
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    response = client.post(url, {"reason": "other", "comment": ""})
    assert "Précisez le motif" in html.unescape(response.content.decode())
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    response = client.post(url, {"reason": "no_capacity", "comment": "Complet ce mois-ci"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert referral.decline_reason == "no_capacity"
    assert Event.objects.filter(type="referral.declined", subject_id=referral.pk).exists()


def test_accept_opens_a_case_for_the_receiver_then_complete(world):
    referral = sent(world)
    client = login(world.users["b"])
    base = f"/admin/exchanges/referral/{referral.pk}/action/"
    response = client.post(f"{base}accept/", {"referent": "M. Petit", "comment": ""})
    assert response.status_code == 302
    case = Case.objects.get(referral=referral)
    assert case.organization_id == world.b.organization.pk
    assert case.referent == "M. Petit"
    response = client.post(f"{base}complete/", {"comment": "Hébergé"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED


def test_sender_may_not_accept_and_a_stranger_gets_a_french_404(world):
    referral = sent(world)
    refused = login(world.users["a"]).post(
        f"/admin/exchanges/referral/{referral.pk}/action/accept/", {}
    )
    assert refused.status_code == 403
    assert "text/html" in refused["Content-Type"]
    for url in (
        f"/admin/exchanges/referral/{referral.pk}/action/cancel/",
        f"/admin/exchanges/referral/{referral.pk}/change/",
    ):
        response = login(world.users["c"]).get(url)
        assert response.status_code in (302, 404)
        if response.status_code == 404:
            assert "text/html" in response["Content-Type"]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_unknown_transition_is_a_french_404(world):
    referral = sent(world)
    response = login(world.users["b"]).get(
        f"/admin/exchanges/referral/{referral.pk}/action/approve/"
    )
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


# --- cases ---------------------------------------------------------------------------------------


def case_body(world, **overrides):
    body = {
        "organization": str(world.a.organization.pk),
        "beneficiary_id": str(world.person),
        "type": "food_aid",
        "start_date": "02/11/2026",
        "end_date": "",
        "referent": "Mme Durand",
    }
    body.update(overrides)
    return body


def test_opening_a_case_goes_through_the_service(world):
    response = login(world.users["a"]).post(CASE_ADD, case_body(world))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/exchanges/case/{case.pk}/change/"
    assert case.start_date == dt.date(2026, 11, 2)
    assert case.referent == "Mme Durand"
    assert Event.objects.filter(type="case.opened", subject_id=case.pk).exists()
    assert AccessLog.objects.filter(resource="case", action="write").exists()


def test_case_form_end_before_start_is_a_french_error_and_writes_nothing(world):
    response = login(world.users["a"]).post(CASE_ADD, case_body(world, end_date="01/11/2026"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["end_date"] == ["La date de fin ne peut pas précéder la date de début."]
    assert not Case.objects.exists()
    assert not Event.objects.filter(type="case.opened").exists()


def test_case_form_person_not_visible(world):
    response = login(world.users["c"]).post(
        CASE_ADD, case_body(world, organization=str(world.c.organization.pk))
    )
    errors = response.context["adminform"].form.errors
    assert "Personne inconnue" in errors["beneficiary_id"][0]
    assert not Case.objects.exists()


def test_case_form_offers_only_the_users_organizations(world):
    response = login(world.users["a"]).post(
        CASE_ADD, case_body(world, organization=str(world.b.organization.pk))
    )
    assert "organization" in response.context["adminform"].form.errors
    assert not Case.objects.exists()


def test_overlap_is_announced_with_the_partner_masked_without_a_basis(world):
    login(world.users["b"]).post(
        CASE_ADD, case_body(world, organization=str(world.b.organization.pk))
    )
    response = login(world.users["a"]).post(CASE_ADD, case_body(world), follow=True)
    text = html.unescape(response.content.decode())
    assert "Chevauchement" in text
    assert "Association Atelier-B" not in text  # A holds no coordination grant from B


def test_closing_a_case_with_an_outcome_through_the_change_form(world):
    login(world.users["a"]).post(CASE_ADD, case_body(world))
    case = Case.objects.get()
    url = f"/admin/exchanges/case/{case.pk}/change/"
    response = login(world.users["a"]).post(
        url,
        {
            "status": "open",
            "start_date": "02/11/2026",
            "end_date": "",
            "referent": "Mme Durand",
            "outcome": "rights_opened",
        },
    )
    assert response.status_code == 200
    assert "Seul un accompagnement clos a une sortie." in html.unescape(response.content.decode())
    response = login(world.users["a"]).post(
        url,
        {
            "status": "closed",
            "start_date": "02/11/2026",
            "end_date": "",
            "referent": "Mme Durand",
            "outcome": "rights_opened",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.outcome == "rights_opened"


def test_another_organizations_case_is_a_french_page(world):
    login(world.users["a"]).post(CASE_ADD, case_body(world))
    case = Case.objects.get()
    response = login(world.users["c"]).get(f"/admin/exchanges/case/{case.pk}/change/")
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response["Location"] == "/admin/"
    else:
        assert "text/html" in response["Content-Type"]


def test_closing_a_case_from_its_close_page(world):
    login(world.users["a"]).post(CASE_ADD, case_body(world))
    case = Case.objects.get()
    client = login(world.users["a"])
    page = html.unescape(client.get(f"/admin/exchanges/case/{case.pk}/change/").content.decode())
    assert 'data-action="close-case"' in page
    url = f"/admin/exchanges/case/{case.pk}/clore/"
    crumbs = html.unescape(client.get(url).content.decode()).split('class="breadcrumbs"')[1]
    crumbs = crumbs.split("</div>")[0]
    assert '<a href="/admin/exchanges/case/">Accompagnements</a>' in crumbs
    assert f'href="/admin/exchanges/case/{case.pk}/change/"' in crumbs
    response = client.post(url, {"outcome": "", "end_date": "01/11/2026"})
    assert response.status_code == 200
    assert "La date de fin ne peut pas précéder la date de début." in html.unescape(
        response.content.decode()
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    response = client.post(url, {"outcome": "rights_opened", "end_date": "20/11/2026"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.outcome == "rights_opened"
    assert case.end_date == dt.date(2026, 11, 20)
    assert Event.objects.filter(type="case.closed", subject_id=case.pk).exists()
    assert login(world.users["b"]).post(url, {"outcome": ""}).status_code in (403, 404)
