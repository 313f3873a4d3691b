"""What the persona flows share: demo logins, waiting for a page, picking in the admin's select2
autocomplete, running the admin's list actions, and the accessibility check of a page."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from fixtures.demo import STAFF_PASSWORD
from tests.browser.harness import axe_violations, describe, follow, login

WAIT = 15  # seconds: the CI machine is shared


def log_in(driver, username: str, **kwargs) -> None:
    """Log a demo login in and wait for the admin index (``#user-tools``)."""
    login(driver, username, STAFF_PASSWORD, **kwargs)
    driver.find_element(By.ID, "user-tools")


def log_out(driver) -> None:
    driver.delete_all_cookies()


def accessible(driver) -> None:
    violations = axe_violations(driver)
    assert not violations, f"{driver.current_url}: {describe(violations)}"


def wait_text(driver, text: str, css: str = "body") -> str:
    """The text of the first ``css`` element that shows ``text`` (waits for it)."""
    return WebDriverWait(driver, WAIT).until(
        lambda d: next(
            (e.text for e in d.find_elements(By.CSS_SELECTOR, css) if text in e.text), None
        ),
        f"no {css!r} shows {text!r}",
    )


def search(driver, changelist: str, term: str) -> list[str]:
    """Type ``term`` in a change list's search box; the rows' texts."""
    driver.get(f"{driver.base}{changelist}")
    box = driver.find_element(By.ID, "searchbar")
    box.clear()
    box.send_keys(term)
    box.submit()
    WebDriverWait(driver, WAIT).until(lambda d: "q=" in d.current_url)
    return [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")]


def pick(driver, field_name: str, term: str, choice: str) -> None:
    """In the select2 autocomplete of ``field_name``, type ``term`` and click ``choice``."""
    select = driver.find_element(By.NAME, field_name)
    container = select.find_element(By.XPATH, "following-sibling::span[contains(@class,'select2')]")
    container.find_element(By.CSS_SELECTOR, ".select2-selection").click()
    field = driver.find_element(By.CSS_SELECTOR, ".select2-container--open .select2-search__field")
    field.send_keys(term)
    option = WebDriverWait(driver, WAIT).until(
        lambda d: next(
            (
                o
                for o in d.find_elements(By.CSS_SELECTOR, ".select2-results__option")
                if choice in o.text
            ),
            None,
        ),
        f"the autocomplete offers no {choice!r} for {term!r}",
    )
    option.click()


def check_label(driver, text: str) -> None:
    """Tick the checkbox (or radio) whose label reads ``text``."""
    driver.find_element(By.XPATH, f"//label[normalize-space()={_literal(text)}]").click()


def run_action(driver, row_text: str, action_label: str) -> None:
    """Select the change-list row showing ``row_text`` and run the action ``action_label``."""
    rows = driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    row = next((r for r in rows if row_text in r.text), None)
    assert row is not None, f"no row shows {row_text!r}"
    row.find_element(By.CSS_SELECTOR, "input.action-select").click()
    Select(driver.find_element(By.NAME, "action")).select_by_visible_text(action_label)
    follow(driver, driver.find_element(By.CSS_SELECTOR, "button[name=index]"))


def _literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    return "concat('" + "', \"'\", '".join(text.split("'")) + "')"
