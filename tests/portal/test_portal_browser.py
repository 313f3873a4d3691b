"""The portal in Debian's Chromium, phone-sized, JavaScript OFF: a neighbour is registered for
the crisis plan, the CCAS is asked for help, the reference is shown, a consent is withdrawn
through its link. Then axe-core (which needs JavaScript, in the same phone-sized window) finds
no WCAG 2.1 A or AA violation on any portal page."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from consent.models import PortalConsent
from exchanges.models import PortalSubmission
from tests.browser.harness import ARTIFACTS, axe_violations, describe, follow
from tests.portal.conftest import COMMUNE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def territory(db):
    from tests.factories import OrganizationFactory

    return OrganizationFactory(name="CCAS de Villeurbanne", kind="ccas", insee_codes=[COMMUNE])


def type_in(driver, name: str, value: str) -> None:
    field = driver.find_element(By.NAME, name)
    field.clear()
    field.send_keys(value)


def choose(driver, element_id: str) -> None:
    """Tick a radio button or checkbox by clicking its label, as a person does."""
    driver.find_element(By.CSS_SELECTOR, f"label[for='{element_id}']").click()


def pick(driver, name: str, value: str) -> None:
    driver.find_element(By.CSS_SELECTOR, f"select[name='{name}'] option[value='{value}']").click()


def fill_person(driver) -> None:
    type_in(driver, "first_names", "Odette")
    type_in(driver, "birth_name", "Lefèvre")
    type_in(driver, "birth_date", "02/03/1938")
    type_in(driver, "address_line", "12 rue Francis de Pressensé")
    type_in(driver, "postcode", "69100")
    type_in(driver, "city", "Villeurbanne")
    type_in(driver, "phone", "04 78 12 34 56")


def reference(driver) -> str:
    return driver.find_element(By.ID, "reference").text


def test_a_neighbour_is_registered_for_the_crisis_plan_without_javascript(phone_browser, territory):
    driver = phone_browser
    driver.get(f"{driver.base}/citoyen/")
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)  # the keyboard's first stop
    assert driver.switch_to.active_element.text == "Aller au contenu"
    driver.switch_to.active_element.send_keys(Keys.ENTER)  # follows the skip link
    assert driver.current_url.endswith("#contenu")
    follow(driver, driver.find_element(By.LINK_TEXT, "S'inscrire sur le registre"))
    assert "registre canicule" in driver.title
    follow(driver, driver.find_element(By.ID, "envoyer"))  # sent empty: errors, summary at the top
    summary = driver.find_element(By.ID, "resume-erreurs")
    assert "à corriger" in summary.text
    summary.find_element(By.CSS_SELECTOR, "a[href='#id_first_names']").click()
    assert driver.current_url.endswith("#id_first_names")
    choose(driver, "id_requested_by_1")
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
    assert reference(driver).startswith("PAS-")
    assert "Lefèvre" not in driver.current_url and driver.current_url.endswith("/citoyen/recu/")
    submission = PortalSubmission.objects.get()
    assert submission.reference == reference(driver)
    assert submission.details["requested_by"] == "third_party"


def test_the_ccas_is_asked_for_help_and_a_consent_withdrawn_without_javascript(
    phone_browser, territory
):
    driver = phone_browser
    driver.get(f"{driver.base}/citoyen/")
    follow(driver, driver.find_element(By.LINK_TEXT, "Faire une demande d'aide"))
    pick(driver, "organization", str(territory.pk))
    choose(driver, "id_need_1")  # factures d'énergie
    type_in(driver, "situation", "Ma facture de chauffage a doublé cet hiver.")
    fill_person(driver)
    choose(driver, "id_preferred_contact_0")
    type_in(driver, "email", "odette.lefevre@example.org")
    type_in(driver, "availability", "Le matin")
    choose(driver, "id_purposes_0")
    follow(driver, driver.find_element(By.ID, "envoyer"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Votre demande est envoyée"
    assert reference(driver) == PortalSubmission.objects.get().reference
    follow(driver, driver.find_element(By.CSS_SELECTOR, "#liens-retrait a"))
    assert "/citoyen/retrait/" in driver.current_url
    assert PortalConsent.objects.get().withdrawn_at is None  # the GET changed nothing
    follow(driver, driver.find_element(By.ID, "confirmer-retrait"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Votre accord est retiré"
    assert PortalConsent.objects.get().withdrawn_at is not None


def audit(driver, path: str, failures: list, name: str) -> None:
    if path:
        driver.get(f"{driver.base}{path}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"portal-{name}.png"))
    violations = axe_violations(driver, tags=WCAG)
    if violations:
        failures.append(f"{name}: {describe(violations)}")


def test_no_wcag_a_or_aa_violation_on_any_portal_page(phone_browser_js, territory):
    driver = phone_browser_js
    failures: list[str] = []
    for name, path in (
        ("accueil", "/citoyen/"),
        ("registre", "/citoyen/registre/"),
        ("demande", "/citoyen/demande/"),
        ("confidentialite", "/citoyen/confidentialite/"),
        ("introuvable", "/citoyen/nulle-part/"),
        ("retrait", "/citoyen/retrait/" + "D" * 43 + "/"),
    ):
        audit(driver, path, failures, name)
    follow(driver, driver.find_element(By.ID, "confirmer-retrait"))
    audit(driver, "", failures, "retrait-neutre")
    driver.get(f"{driver.base}/citoyen/registre/")
    follow(driver, driver.find_element(By.ID, "envoyer"))
    driver.find_element(By.ID, "resume-erreurs")
    audit(driver, "", failures, "registre-erreurs")
    driver.get(f"{driver.base}/citoyen/demande/")
    pick(driver, "organization", str(territory.pk))
    choose(driver, "id_need_0")
    type_in(driver, "situation", "Plus rien à manger.")
    fill_person(driver)
    choose(driver, "id_preferred_contact_0")
    type_in(driver, "availability", "Le soir")
    choose(driver, "id_purposes_0")
    follow(driver, driver.find_element(By.ID, "envoyer"))
    driver.find_element(By.ID, "reference")
    audit(driver, "", failures, "recu")
    follow(driver, driver.find_element(By.CSS_SELECTOR, "#liens-retrait a"))
    follow(driver, driver.find_element(By.ID, "confirmer-retrait"))
    audit(driver, "", failures, "retrait-fait")
    assert not failures, "\n".join(failures)
