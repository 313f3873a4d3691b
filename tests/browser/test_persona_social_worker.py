"""The CCAS's social worker, in a real browser on the demo: finds Thérèse with and without the
accents, opens her page, records her consent to share with Tremplin (the person picked through
the autocomplete), then withdraws it. No serious or critical accessibility violation."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from hub.registry.models import PartnerRecord
from tests.browser.personas import (
    accessible,
    check_label,
    log_in,
    messages,
    pick,
    run_action,
    search,
    wait_text,
)

pytestmark = pytest.mark.browser
PERSONS = "/admin/registry/beneficiary/"
GRANTS = "/admin/consent/grant/"


def therese():
    """A person named Thérèse of whom the CCAS holds the record (the demo has some)."""
    record = (
        PartnerRecord.objects.filter(
            organization__name="CCAS de Villeurbanne",
            payload__first_names__contains="Thérèse",
            beneficiary__merged_into__isnull=True,
        )
        .exclude(external_id__endswith="-BIS")
        .order_by("external_id")
        .first()
    )
    assert record is not None, "the demo holds no Thérèse known to the CCAS"
    return record.payload


def test_social_worker_finds_a_person_and_records_then_withdraws_a_consent(demo_browser):
    driver = demo_browser
    person = therese()
    name = person.get("usage_name") or person["birth_name"]
    surname = name.upper()
    log_in(driver, "agent.ccas")
    accessible(driver)

    with_accents = search(driver, PERSONS, "Thérèse")
    assert any(surname in row and "Thérèse" in row for row in with_accents), with_accents
    accessible(driver)
    without = search(driver, PERSONS, "therese")
    assert any(surname in row and "Thérèse" in row for row in without), without

    row = next(
        r
        for r in driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
        if surname in r.text
    )
    row.find_element(By.CSS_SELECTOR, "a").click()
    wait_text(driver, surname, "#content")
    assert "Thérèse" in driver.find_element(By.ID, "content").text
    accessible(driver)

    driver.get(f"{driver.base}{GRANTS}add/")
    pick(driver, "beneficiary_id", name[:5], surname)
    Select(driver.find_element(By.NAME, "basis")).select_by_visible_text(
        "Consentement de la personne (RGPD art. 6.1.a / 9.2.a)"
    )
    Select(driver.find_element(By.NAME, "grantee_type")).select_by_visible_text("Une organisation")
    Select(driver.find_element(By.NAME, "grantee_organization")).select_by_visible_text(
        "Tremplin Insertion Villeurbanne"
    )
    check_label(driver, "Insertion sociale et professionnelle")
    check_label(driver, "Identité")
    check_label(driver, "Coordonnées")
    Select(driver.find_element(By.NAME, "evidence_method")).select_by_visible_text("Écrit signé")
    driver.find_element(By.NAME, "collected_by_name").send_keys("Camille Roux")
    accessible(driver)
    driver.find_element(By.NAME, "_save").click()
    wait_text(driver, "ajouté", ".messagelist")

    driver.get(f"{driver.base}{GRANTS}")
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")]
    mine = [r for r in rows if surname in r and "Tremplin" in r]
    assert len(mine) == 1 and "Active" in mine[0], rows
    accessible(driver)

    run_action(driver, surname, "Retirer les autorisations sélectionnées")
    assert "1 autorisation(s) retirée(s)." in wait_text(driver, "retirée", ".messagelist")
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")]
    assert any(surname in r and "Retirée" in r for r in rows), (rows, messages(driver))
