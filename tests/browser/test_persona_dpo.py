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
