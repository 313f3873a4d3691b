"""The CCAS's social worker, in a real browser on the demo: finds Hélène with and without the
accents ("Hélène", "helene"), opens her page, records her consent to share with Tremplin from there (the person
preselected), then withdraws it from her page. No serious or critical accessibility violation."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from hub.registry.models import PartnerRecord
from tests.browser.personas import (
    accessible,
    check_label,
    follow,
    log_in,
    search,
    wait_text,
)

pytestmark = pytest.mark.browser
PERSONS = "/admin/registry/beneficiary/"


def helene():
    """A person named Hélène of whom the CCAS holds the only record (the demo has some), not
    one of the review queue's duplicates (``CCAS-0000n`` and ``-BIS``)."""
    record = (
        PartnerRecord.objects.filter(
            organization__name="CCAS de Villeurbanne",
            payload__first_names__icontains="Hélène",
            beneficiary__merged_into__isnull=True,
        )
        .exclude(external_id__regex=r"^CCAS-0000[1-3]")
        .order_by("external_id")
        .first()
    )
    assert record is not None, "the demo holds no Hélène known to the CCAS"
    return record.payload


def test_social_worker_finds_a_person_and_records_then_withdraws_a_consent(demo_browser):
    driver = demo_browser
    person = helene()
    name = person.get("usage_name") or person["birth_name"]
    surname = name.upper()
    log_in(driver, "agent.ccas")
    accessible(driver)

    with_accents = search(driver, PERSONS, "Hélène")
    assert any(surname in row and "Hélène" in row for row in with_accents), with_accents
    accessible(driver)
    without = search(driver, PERSONS, "helene")
    assert any(surname in row and "Hélène" in row for row in without), without

    row = next(
        r
        for r in driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
        if surname in r.text
    )
    follow(driver, row.find_element(By.CSS_SELECTOR, "a"))
    wait_text(driver, surname, "#content")
    person_page = driver.current_url
    assert "Consentements et bases légales" in driver.find_element(By.ID, "content").text
    accessible(driver)

    follow(driver, driver.find_element(By.CSS_SELECTOR, "a[data-action=record-grant]"))
    chosen = driver.find_element(By.CSS_SELECTOR, ".select2-selection__rendered").text
    assert surname in chosen and "Hélène" in chosen  # the person is preselected
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
    follow(driver, driver.find_element(By.NAME, "_save"))
    wait_text(driver, "ajouté", ".messagelist")

    driver.get(person_page)
    grant = tremplin_row(driver)
    assert "Consentement de la personne" in grant.text and "Active" in grant.text
    assert "Insertion sociale et professionnelle" in grant.text
    follow(driver, grant.find_element(By.CSS_SELECTOR, "a[data-action=withdraw-grant]"))
    wait_text(driver, "Retrait d'une autorisation", "h1")
    accessible(driver)
    follow(driver, driver.find_element(By.NAME, "retirer"))
    assert "Indiquez le motif du retrait" in wait_text(driver, "motif", ".errorlist")
    driver.find_element(By.NAME, "reason").send_keys("La personne retire son accord par téléphone.")
    follow(driver, driver.find_element(By.NAME, "retirer"))
    assert "L'autorisation est retirée." in wait_text(driver, "retirée", ".messagelist")

    driver.get(person_page)
    grant = tremplin_row(driver)
    assert "Retirée" in grant.text
    assert not grant.find_elements(By.CSS_SELECTOR, "a[data-action=withdraw-grant]")


def tremplin_row(driver):
    section = driver.find_element(By.ID, "section-consentements")
    rows = section.find_elements(By.CSS_SELECTOR, "tbody tr")
    mine = [r for r in rows if "Tremplin Insertion Villeurbanne" in r.text]
    assert len(mine) == 1, [r.text for r in rows]
    return mine[0]
