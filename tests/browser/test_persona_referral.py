"""A referral between two partners, in a real browser on the demo: the CCAS's social worker
sends a person who consented to the épicerie a food-aid referral from the person's page; the
épicerie's agent accepts it (a case opens) then declares it done. No serious or critical
accessibility violation."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.personas import accessible, follow, log_in, log_out, wait_text
from tests.browser.test_persona_dpo import consenting_person

pytestmark = pytest.mark.browser
PERSONS = "/admin/registry/beneficiary/"
EPICERIE = "Épicerie solidaire de Villeurbanne"


def status(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, ".field-status .readonly").text


def answer(driver, action: str, **fields) -> str:
    """Click the referral page's button ``action``, fill its form, confirm; the message."""
    follow(
        driver, driver.find_element(By.CSS_SELECTOR, f"#referral-actions a[data-action={action}]")
    )
    wait_text(driver, "Orientation de CCAS de Villeurbanne", "#content-main")
    accessible(driver)
    for name, value in fields.items():
        driver.find_element(By.NAME, name).send_keys(value)
    follow(driver, driver.find_element(By.NAME, "confirmer"))
    return wait_text(driver, "Orientation", ".messagelist")


def test_referral_is_sent_accepted_then_completed_by_the_receiver(demo_browser):
    driver = demo_browser
    name, first_names = consenting_person()
    log_in(driver, "agent.ccas")
    driver.get(f"{driver.base}{PERSONS}?q={name}")
    follow(driver, driver.find_element(By.PARTIAL_LINK_TEXT, name.upper()))
    wait_text(driver, "Orientations", "#content")
    follow(driver, driver.find_element(By.CSS_SELECTOR, "a[data-action=send-referral]"))

    chosen = driver.find_element(By.CSS_SELECTOR, ".select2-selection__rendered").text
    assert name.upper() in chosen and first_names.split()[0] in chosen
    Select(driver.find_element(By.NAME, "receiver")).select_by_visible_text(EPICERIE)
    Select(driver.find_element(By.NAME, "case_type")).select_by_visible_text("Aide alimentaire")
    driver.find_element(By.NAME, "message").send_keys("Colis pour deux semaines, sans porc.")
    accessible(driver)
    follow(driver, driver.find_element(By.NAME, "_save"))
    assert "L'orientation a été envoyée." in wait_text(driver, "envoyée", ".messagelist")
    referral_page = driver.current_url
    assert status(driver) == "Envoyée"
    assert not driver.find_elements(By.CSS_SELECTOR, "#referral-actions a[data-action=accept]")
    accessible(driver)

    log_out(driver)
    log_in(driver, "agent.epicerie")
    driver.get(referral_page)
    assert name.upper() in wait_text(driver, name.upper(), "#content")
    assert "Colis pour deux semaines" in driver.find_element(By.ID, "content").text
    accessible(driver)
    done = answer(driver, "accept", referent="Lucie Bonnet", comment="Premier colis jeudi.")
    assert done == "Orientation acceptée : un accompagnement est ouvert."
    assert status(driver) == "Acceptée"
    done = answer(driver, "complete", comment="Colis remis.")
    assert done == "Orientation déclarée réalisée."
    assert status(driver) == "Réalisée"
    assert not driver.find_elements(By.CSS_SELECTOR, "#referral-actions a")
