"""The DPO reads the evidence of the consents given on the citizen portal: scoped to the
organizations they are DPO of, no identity, the notice's fingerprint checked, the state in
French, a CSV export that is an access-log row; other staff do not see the page."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from consent.models import AccessLog, PortalConsent
from exchanges import submission_queue
from exchanges.models import PortalSubmission
from exchanges.submissions import submit_help_request, withdraw
from hub.registry.actors import Actor
from tests.factories import OrganizationFactory, staff_client

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/consent/portalconsent/"


def ask(organization, birth_name: str):
    return submit_help_request(
        organization_id=organization.pk,
        person={"birth_name": birth_name, "first_names": "Yvonne", "birth_date": "1962-04-18"},
        need="financial_aid",
        situation="Facture d'énergie impayée",
        contact={"phone": "0677889900"},
        availability="L'après-midi",
        purposes=["coordination"],
        client_ip="192.0.2.1",
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def rows(response) -> str:
    """The change list's table only (the filters repeat every label)."""
    return text(response).split('id="result_list"')[1].split("</table>")[0]


@pytest.fixture
def world(db):
    ccas = OrganizationFactory(name="CCAS de Villeurbanne", kind="ccas")
    other = OrganizationFactory(name="Épicerie solidaire du Tonkin", kind="association")
    waiting = ask(ccas, "Kerbrat")
    withdrawn = ask(ccas, "Le Goff")
    refused = ask(ccas, "Quéméner")
    elsewhere = ask(other, "Ollivier")
    token = re.match(r"^/citoyen/retrait/([^/]+)/$", withdrawn.withdrawal_links[0][1])[1]
    assert withdraw(token).ok
    agent = Actor(organization_id=ccas.pk, organization_ids=(ccas.pk,), roles=("agent",))
    submission_queue.reject(
        actor=agent,
        submission_id=refused.submission_id,
        kind=PortalSubmission.objects.get(pk=refused.submission_id).kind,
        reason="Demande en double",
    )
    return {
        "ccas": ccas,
        "waiting": waiting,
        "withdrawn": withdrawn,
        "refused": refused,
        "elsewhere": elsewhere,
    }


def consent_of(receipt) -> PortalConsent:
    return PortalConsent.objects.get(submission_id=receipt.submission_id)


def test_the_dpo_sees_the_consents_given_to_their_organization_without_identity(world):
    response = staff_client(world["ccas"], "dpo").get(CHANGELIST)
    assert "Consentements donnés sur le portail" in text(response)
    page = rows(response)
    assert page.count("Coordination") == 3
    assert "En attente de confirmation par un travailleur social" in page
    assert "Retiré par la personne" in page
    assert "Demande refusée ou effacée" in page
    assert "Épicerie solidaire du Tonkin" not in page  # another organization's consents
    for name in ("Kerbrat", "Le Goff", "Quéméner", "Yvonne", "0677889900"):
        assert name not in page


def test_the_state_filter_and_the_detail_with_its_fingerprint_checked(world):
    dpo = staff_client(world["ccas"], "dpo")
    withdrawn = rows(dpo.get(CHANGELIST, {"etat": "withdrawn"}))
    assert "Retiré par la personne" in withdrawn and "En attente de confirmation" not in withdrawn
    assert withdrawn.count("Coordination") == 1
    consent = consent_of(world["waiting"])
    detail = text(dpo.get(reverse("admin:consent_portalconsent_change", args=[consent.pk])))
    assert consent.notice_text in detail and consent.notice_hash in detail
    assert "L'empreinte correspond au texte conservé." in detail
    PortalConsent.objects.filter(pk=consent.pk).update(
        notice_text=consent.notice_text + " (modifié)"
    )
    tampered = text(dpo.get(reverse("admin:consent_portalconsent_change", args=[consent.pk])))
    assert "le texte a été modifié" in tampered
    foreign = consent_of(world["elsewhere"])
    response = dpo.get(reverse("admin:consent_portalconsent_change", args=[foreign.pk]))
    assert response.status_code in (302, 404)


def test_the_csv_export_is_an_access_log_row_and_holds_no_identity(world):
    dpo = staff_client(world["ccas"], "dpo")
    before = AccessLog.objects.filter(resource="dpo_export").count()
    response = dpo.get(reverse("admin:consent_portalconsent_export_csv"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    lines = body.strip().splitlines()
    assert lines[0].startswith("id,given_at,organization,purpose")
    assert len(lines) == 1 + 3
    assert {line.split(",")[9] for line in lines[1:]} == {"waiting", "withdrawn", "refused"}
    assert "Kerbrat" not in body and "Tonkin" not in body
    assert AccessLog.objects.filter(resource="dpo_export").count() == before + 1


def test_a_social_worker_does_not_see_the_page(world):
    agent = staff_client(world["ccas"], "agent")
    assert agent.get(CHANGELIST).status_code == 403
    assert agent.get(reverse("admin:consent_portalconsent_export_csv")).status_code == 403
    assert "portalconsent" not in text(agent.get("/admin/"))


def test_once_confirmed_the_consent_is_in_the_persons_access_export_and_shows_granted(world):
    ccas = world["ccas"]
    agent = Actor(organization_id=ccas.pk, organization_ids=(ccas.pk,), roles=("agent",))
    submission = submission_queue.confirm_help(
        actor=agent, submission_id=world["waiting"].submission_id
    )
    person = submission.record.beneficiary_id
    dpo = staff_client(ccas, "dpo")
    listed = rows(dpo.get(CHANGELIST, {"etat": "granted"}))
    assert "Enregistré comme autorisation" in listed
    assert f"n° {str(person)[:8].upper()}" in listed
    export = dpo.get(f"/admin/consent/accesslog/dpo/personne/{person}/acces/", {"format": "json"})
    assert export.status_code == 200
    [given] = export.json()["portal_consents"]
    consent = consent_of(world["waiting"])
    assert given["notice_text"] == consent.notice_text and given["purpose"] == "coordination"
    assert given["grant"] == str(consent.grant_id) and given["withdrawn_at"] is None
    page = text(dpo.get(f"/admin/consent/accesslog/dpo/personne/{person}/acces/"))
    assert "Consentements donnés sur le portail citoyen" in page
    assert "Coordination" in page.split("Consentements donnés sur le portail citoyen")[1]
