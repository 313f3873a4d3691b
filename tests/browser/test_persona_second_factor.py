"""A DPO of the Métropole logs in for the first time, in a real browser on the demo: the
password is not enough; she adds Passerelle to her authenticator app with the key the page
shows, a wrong code is refused, the right one opens the admin; at the next login she enters a
code again. No serious or critical accessibility violation on the second-factor pages."""

from __future__ import annotations

import base64
import time

import pytest
from django_otp.oath import totp
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from fixtures.demo import STAFF_PASSWORD
from tests.browser.harness import enter_second_factor, login
from tests.browser.personas import WAIT, accessible, log_out, wait_text

pytestmark = [pytest.mark.browser, pytest.mark.second_factor]
USERNAME = "dpo.metropole"


def app_code(key: bytes, *, drift: int = 0) -> str:
    """What an authenticator app shows for ``key`` (``drift`` steps of 30 s later)."""
    return f"{totp(key, drift=drift):06d}"


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def test_dpo_sets_up_totp_a_wrong_code_is_refused_and_a_code_is_asked_at_each_login(
    demo_browser,
):
    driver = demo_browser
    login(driver, USERNAME, STAFF_PASSWORD)
    WebDriverWait(driver, WAIT).until(lambda d: "/admin/deux-facteurs/configurer/" in d.current_url)
    assert "Activer la vérification en deux étapes" in driver.title
    assert driver.find_elements(By.CSS_SELECTOR, "figure svg"), "no QR code to scan"
    accessible(driver)
    shown = driver.find_element(By.CSS_SELECTOR, "#content-main code").text.replace(" ", "")
    key = base64.b32decode(shown + "=" * (-len(shown) % 8))

    enter_second_factor(driver, wrong(app_code(key)))
    refused = wait_text(driver, "ne correspond pas", ".errornote")
    assert "vérifiez l'heure du téléphone" in refused
    assert not driver.find_elements(By.ID, "user-tools")
    time.sleep(1.5)  # django-otp makes the next try wait a second after a wrong code
    enter_second_factor(driver, app_code(key))
    driver.find_element(By.ID, "user-tools")
    assert driver.current_url.endswith("/admin/")

    log_out(driver)
    login(driver, USERNAME, STAFF_PASSWORD)
    WebDriverWait(driver, WAIT).until(lambda d: "/admin/deux-facteurs/" in d.current_url)
    assert "Vérification en deux étapes" in driver.title
    accessible(driver)
    driver.get(f"{driver.base}/admin/consent/accesslog/")
    assert "/admin/deux-facteurs/" in driver.current_url, "the admin opened without a code"
    enter_second_factor(driver, wrong(app_code(key, drift=1)))
    assert "n'est pas valide" in wait_text(driver, "pas valide", ".errornote")
    time.sleep(1.5)
    # The code of the current 30-second step was used to set up: the app shows the next one.
    enter_second_factor(driver, app_code(key, drift=1))
    driver.find_element(By.ID, "user-tools")
    assert "/admin/consent/accesslog/" in driver.current_url
