"""The CCAS's data protection officer, in a real browser on the demo: opens the DPO tools,
finds a person by name and reads the art. 15 disclosure report (who received what, on which
basis; who accessed the data), in French. No serious or critical accessibility violation."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from consent.models import Grant
from hub.registry.models import PartnerRecord
from tests.browser.personas import accessible, follow, log_in, pick, wait_text

pytestmark = pytest.mark.browser
DPO = "/admin/consent/accesslog/dpo/"


def consenting_person() -> tuple[str, str]:
    """The name and first names of the person who consented to the épicerie (demo)."""
    grant = Grant.objects.get(
        basis="consent", grantee_organization__name="Épicerie solidaire de Villeurbanne"
    )
    payload = (
        PartnerRecord.objects.filter(
            beneficiary_id=grant.beneficiary_id, organization__name="CCAS de Villeurbanne"
        )
        .first()
        .payload
    )
    return payload.get("usage_name") or payload["birth_name"], payload["first_names"]


def test_dpo_finds_a_person_by_name_and_reads_the_art15_report(demo_browser):
    driver = demo_browser
    name, first_names = consenting_person()
    surname = name.upper()
    log_in(driver, "dpo.ccas")
    driver.get(f"{driver.base}{DPO}")
    wait_text(driver, "Rapport de divulgation d'une personne (RGPD art. 15)", "#content")
    accessible(driver)

    pick(driver, "person", name[:5], surname)
    follow(driver, driver.find_element(By.CSS_SELECTOR, "#content-main input[type=submit]"))
    report = wait_text(driver, "Qui a reçu quoi, sur quelle base", "#content")
    assert surname in report and first_names.split()[0] in report
    assert "Consentement de la personne" in report
    assert "Épicerie solidaire de Villeurbanne" in report
    assert "Aide alimentaire" in report and "food_aid" not in report
    assert "Qui a accédé aux données (journal des accès)" in report
    accessible(driver)

    follow(driver, driver.find_element(By.LINK_TEXT, "Export du droit d'accès"))
    wait_text(driver, surname, "#content")
    accessible(driver)


def test_dpo_reads_the_evidence_of_the_consents_given_on_the_portal(demo_browser):
    """From the DPO tools to the consents given on the citizen portal to the CCAS: states in
    French, no identity, the notice's fingerprint checked on the detail page."""
    from consent.models import PortalConsent

    driver = demo_browser
    log_in(driver, "dpo.ccas")
    driver.get(f"{driver.base}{DPO}")
    follow(
        driver,
        driver.find_element(By.PARTIAL_LINK_TEXT, "Consentements donnés sur le portail citoyen"),
    )
    wait_text(driver, "Consentements donnés sur le portail", "h1")
    ccas = PortalConsent.objects.filter(organization__name="CCAS de Villeurbanne")
    assert ccas.exists(), "the demo holds portal consents for the CCAS"
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")]
    assert len(rows) == ccas.count()
    states = ("En attente de confirmation", "Enregistré comme autorisation", "Retiré", "refusée")
    assert all(any(state in row for state in states) for row in rows)
    accessible(driver)
    follow(driver, driver.find_element(By.CSS_SELECTOR, "#result_list tbody tr a"))
    detail = wait_text(driver, "Contrôle de l'information", "#content")
    assert "L'empreinte correspond au texte conservé." in detail
    accessible(driver)
