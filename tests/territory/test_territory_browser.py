"""The dashboard and the map in a real browser: figures, a filter, the period slider, the
legend; screenshots in $ARTIFACTS_DIR; no serious or critical accessibility violation."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from territory import refresh
from tests.browser.harness import ARTIFACTS, axe_violations, describe, follow, login
from tests.territory.territory_fixtures import crowd

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BASE = "/admin/territory/observatory/"


@pytest.fixture
def coordinator_view(browser):
    crowd()
    refresh.rebuild()
    get_user_model().objects.create_superuser("obs-admin", "o@example.org", "correct-horse-9")
    login(browser, "obs-admin", "correct-horse-9")
    return browser


def _shot(driver, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(
        1280, max(1000, driver.execute_script("return document.body.scrollHeight"))
    )
    driver.save_screenshot(str(ARTIFACTS / f"territory-{name}.png"))
    driver.set_window_size(1280, 1000)


def test_dashboard_shows_figures_and_follows_a_filter(coordinator_view):
    driver = coordinator_view
    driver.get(f"{driver.base}{BASE}?du=2026-01&au=2026-06")
    cards = driver.find_elements(By.CSS_SELECTOR, ".obs-card-value")
    assert len(cards) == 8
    assert driver.find_element(By.CSS_SELECTOR, "#h-series + details, .obs-figure svg")
    rows = driver.find_elements(By.CSS_SELECTOR, "#zone-table tbody tr")
    assert any("Villeurbanne" in r.text for r in rows)
    # A definition is one click away.
    summary = driver.find_element(By.CSS_SELECTOR, "#h-series ~ details summary")
    summary.click()
    assert "Numérateur" in driver.find_element(By.CSS_SELECTOR, "#h-series ~ details").text
    _shot(driver, "dashboard")
    violations = axe_violations(driver)
    assert not violations, describe(violations)

    Select(driver.find_element(By.ID, "f-type")).select_by_value("food_aid")
    follow(driver, driver.find_element(By.CSS_SELECTOR, ".obs-filters button[type=submit]"))
    WebDriverWait(driver, 10).until(EC.url_contains("type=food_aid"))
    assert (
        "type : food_aid"
        in driver.find_element(By.CSS_SELECTOR, "#h-series ~ figure figcaption").text
    )
    _shot(driver, "dashboard-food-aid")


def test_map_has_a_legend_and_its_slider_changes_the_month(coordinator_view):
    driver = coordinator_view
    driver.get(f"{driver.base}{BASE}carte/")
    legend = driver.find_element(By.ID, "legend")
    assert "secret statistique" in legend.text
    assert driver.find_elements(By.CSS_SELECTOR, "svg.map path[data-code='69266']")
    before = driver.find_element(By.ID, "m-mois-label").text
    slider = driver.find_element(By.ID, "m-mois")
    slider.send_keys(Keys.HOME)  # the keyboard moves the slider; releasing it redraws
    WebDriverWait(driver, 10).until(EC.url_contains("mois=0"))
    after = driver.find_element(By.ID, "m-mois-label").text
    assert after != before
    assert after in driver.find_element(By.ID, "h-map").text
    assert driver.find_element(By.ID, "legend").is_displayed()
    _shot(driver, "map")
    violations = axe_violations(driver)
    assert not violations, describe(violations)
