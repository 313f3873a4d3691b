"""The portal's promise end to end: from a phone-sized window without JavaScript a person
registers a neighbour for the crisis plan and asks the CCAS for help; the CCAS's workers
confirm both in the admin; the person then withdraws one consent through the link of the
acknowledgment; each step has its access-log row."""

from __future__ import annotations

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By

from consent.models import AccessLog, Grant, PortalConsent
from crisis.models import Registration
from exchanges.models import PortalSubmission
from hub.registry.models import PartnerRecord
from tests.browser.harness import follow
from tests.factories import OrganizationFactory, staff_client
from tests.portal.conftest import COMMUNE
from tests.portal.test_portal_browser import choose, fill_person, pick, reference, type_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def register_a_neighbour(driver) -> str:
    driver.get(f"{driver.base}/citoyen/")
    follow(driver, driver.find_element(By.LINK_TEXT, "S'inscrire sur le registre"))
    choose(driver, "id_requested_by_1")  # for someone else
    pick(driver, "commune", COMMUNE)
    choose(driver, "id_category_0")
    fill_person(driver)
    choose(driver, "id_lives_alone_0")
    type_in(driver, "requester_name", "Jeanne Martin")
    type_in(driver, "requester_relationship", "voisine")
    type_in(driver, "requester_email", "jeanne.martin@example.org")
    choose(driver, "id_purposes_0")
    follow(driver, driver.find_element(By.ID, "envoyer"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Votre inscription est envoyée"
    return reference(driver)


def ask_the_ccas_for_help(driver, ccas) -> tuple[str, str]:
    driver.get(f"{driver.base}/citoyen/demande/")
    pick(driver, "organization", str(ccas.pk))
    choose(driver, "id_need_1")
    type_in(driver, "situation", "Ma facture de chauffage a doublé cet hiver.")
    fill_person(driver)
    choose(driver, "id_preferred_contact_0")
    type_in(driver, "email", "odette.lefevre@example.org")
    type_in(driver, "availability", "Le matin")
    choose(driver, "id_purposes_0")
    follow(driver, driver.find_element(By.ID, "envoyer"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Votre demande est envoyée"
    link = driver.find_element(By.CSS_SELECTOR, "#liens-retrait a").get_attribute("href")
    return reference(driver), link


def test_a_neighbour_registered_and_a_help_request_confirmed_then_a_consent_withdrawn(
    phone_browser,
):
    ccas = OrganizationFactory(name="CCAS de Villeurbanne", kind="ccas", insee_codes=[COMMUNE])
    driver = phone_browser
    registration_ref = register_a_neighbour(driver)
    help_ref, withdrawal_link = ask_the_ccas_for_help(driver, ccas)
    assert PartnerRecord.objects.count() == 0 and Registration.objects.count() == 0

    # The CCAS's social worker confirms the help request as a new person, with a case.
    help_request = PortalSubmission.objects.get(reference=help_ref)
    worker = staff_client(ccas, "agent")
    assert help_ref in worker.get(reverse("admin:exchanges_portalsubmission_changelist")).text
    confirm = reverse("admin:exchanges_portalsubmission_confirm", args=[help_request.pk])
    assert worker.post(confirm, {"beneficiary": "", "open_case": "on"}).status_code == 302
    help_request.refresh_from_db()
    assert help_request.status == "confirmed" and help_request.record.organization == ccas
    grant = Grant.objects.get(beneficiary=help_request.record.beneficiary)
    assert grant.withdrawn_at is None

    # The register's agent confirms the neighbour's registration: pending, as the law wants,
    # until the commune has informed the person.
    registration_request = PortalSubmission.objects.get(reference=registration_ref)
    agent = staff_client(ccas, "crisis_agent")
    confirm = reverse("admin:crisis_registration_portal_confirm", args=[registration_request.pk])
    assert agent.post(confirm).status_code == 302
    entry = Registration.objects.get()
    assert (entry.status, entry.requested_by) == ("pending", "third_party")

    # The person withdraws the help request's consent through the link of the acknowledgment.
    driver.get(withdrawal_link)
    assert Grant.objects.get(pk=grant.pk).withdrawn_at is None  # the GET changed nothing
    follow(driver, driver.find_element(By.ID, "confirmer-retrait"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Votre accord est retiré"
    assert Grant.objects.get(pk=grant.pk).withdrawn_at is not None
    assert PortalConsent.objects.filter(withdrawn_at__isnull=False).count() == 1

    log = AccessLog.objects.filter(resource="portal_submission")
    assert log.filter(action="receive").count() == 2
    assert log.filter(action="confirm").count() == 2
    assert AccessLog.objects.filter(resource="portal_consent", action="withdraw").count() == 1
    assert AccessLog.objects.filter(grant_id=grant.pk, action="withdraw").exists()
