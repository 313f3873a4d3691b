"""The coordinator of the Ville de Villeurbanne, in a real browser on the demo: sees the overlap
alerts between the partners of the town (the CCAS and the épicerie both give food aid to the
same persons), opens one and marks it handled with what was decided. No serious or critical
accessibility violation."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser.personas import accessible, follow, log_in, wait_text

pytestmark = pytest.mark.browser
ALERTS = "/admin/exchanges/overlapalert/"


def rows(driver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")


def test_coordinator_sees_the_towns_overlap_alerts_and_handles_one(demo_browser):
    driver = demo_browser
    log_in(driver, "coord.ville")
    driver.get(f"{driver.base}{ALERTS}?traitement=a_traiter")
    pending = rows(driver)
    assert pending, "the coordinator of the town sees no overlap alert"
    assert all("Aide alimentaire" in r.text and "À traiter" in r.text for r in pending)
    assert any("Épicerie solidaire de Villeurbanne" in r.text for r in pending)
    assert any("CCAS de Villeurbanne" in r.text for r in pending)
    accessible(driver)
    person = pending[0].find_element(By.CSS_SELECTOR, "th a, td a")
    label = person.text
    follow(driver, person)

    follow(driver, driver.find_element(By.CSS_SELECTOR, "a[data-action=handle-alert]"))
    wait_text(driver, "Traiter l'alerte de chevauchement", "h1")
    accessible(driver)
    follow(driver, driver.find_element(By.NAME, "confirmer"))
    assert "Décrivez la suite donnée" in wait_text(driver, "suite donnée", ".errorlist")
    driver.find_element(By.NAME, "outcome").send_keys(
        "Appel aux deux partenaires : l'aide alimentaire reste à l'épicerie."
    )
    follow(driver, driver.find_element(By.NAME, "confirmer"))
    assert "L'alerte est marquée traitée." in wait_text(driver, "traitée", ".messagelist")
    page = driver.find_element(By.ID, "content").text
    assert "Traitée le" in page and "l'aide alimentaire reste à l'épicerie" in page
    assert "Nadia Benhamou" in page
    accessible(driver)

    driver.get(f"{driver.base}{ALERTS}?traitement=a_traiter")
    assert len(rows(driver)) == len(pending) - 1
    driver.get(f"{driver.base}{ALERTS}?traitement=traitees")
    assert any(label in r.text for r in rows(driver))
