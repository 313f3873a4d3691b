"""The FranceConnect round trip in Debian's Chromium, JavaScript off: real cookies across the
two sites (the portal's session comes back with the provider's redirect), French pages."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from portal import franceconnect
from tests.browser.harness import axe_violations, describe, follow
from tests.portal.oidc_provider.plugin import running_provider, turn_on
from tests.portal.oidc_provider.serve import PASSWORD, USERNAME

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_provider(tmp_path, live_server, settings):
    """A provider whose clients send people back to the live server."""
    with running_provider(tmp_path, live_server.url) as provider:
        turn_on(settings, provider)
        yield provider


def _at_provider(driver, *, allow: bool) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.NAME, "username").send_keys(USERNAME)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    follow(driver, driver.find_element(By.CSS_SELECTOR, "[type=submit]"))
    choice = "input[name=allow]" if allow else "input[type=submit]:not([name])"
    follow(driver, driver.find_element(By.CSS_SELECTOR, choice))


def test_a_citizen_logs_in_with_franceconnect_in_a_browser_without_javascript(
    live_provider, phone_browser
):
    driver = phone_browser
    driver.get(f"{driver.base}/citoyen/franceconnect/connexion/?next=/citoyen/")
    assert driver.current_url.startswith(live_provider.issuer.removesuffix("/o"))
    _at_provider(driver, allow=True)
    assert driver.current_url == f"{driver.base}/citoyen/"
    request = RequestFactory().get("/citoyen/")
    request.session = SessionStore(session_key=driver.get_cookie("sessionid")["value"])
    assert franceconnect.prefill(request)["birth_name"] == "Martin"


def test_a_cancelled_login_shows_an_accessible_french_page(live_provider, browser):
    browser.get(f"{browser.base}/citoyen/franceconnect/connexion/?next=/citoyen/")
    _at_provider(browser, allow=False)
    assert browser.current_url.startswith(f"{browser.base}/citoyen/franceconnect/callback/")
    assert "Vous avez annulé la connexion avec FranceConnect" in browser.page_source
    assert browser.find_element("css selector", "html").get_attribute("lang") == "fr"
    violations = axe_violations(browser)
    assert violations == [], describe(violations)


def test_a_franceconnect_login_fills_the_help_request_form(live_provider, phone_browser):
    """Back from FranceConnect, the form shows the identity it gave (the person may correct
    it) and the button offers to log out instead."""
    from selenium.webdriver.common.by import By

    driver = phone_browser
    driver.get(f"{driver.base}/citoyen/demande/")
    follow(driver, driver.find_element(By.LINK_TEXT, "S'identifier avec FranceConnect"))
    _at_provider(driver, allow=True)
    assert driver.current_url == f"{driver.base}/citoyen/demande/"
    value = {
        name: driver.find_element(By.NAME, name).get_attribute("value")
        for name in ("first_names", "birth_name", "birth_date", "email")
    }
    assert value == {
        "first_names": "Marie Louise",
        "birth_name": "Martin",
        "birth_date": "21/03/1948",
        "email": "marie.martin@example.org",
    }
    assert driver.find_element(By.CSS_SELECTOR, ".franceconnect button").text == (
        "Se déconnecter de FranceConnect"
    )
