"""The browser harness itself: the admin login page in French for an English browser, with no
serious or critical accessibility violation."""

import pytest
from django.contrib.auth import get_user_model
from selenium.webdriver.common.by import By

from tests.browser.harness import axe_violations, describe, login

pytestmark = pytest.mark.browser


def test_admin_login_page_is_french_and_accessible(browser):
    browser.get(f"{browser.base}/admin/login/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert "Nom d’utilisateur" in browser.page_source or "Nom d'utilisateur" in browser.page_source
    violations = axe_violations(browser)
    assert not violations, describe(violations)


def test_staff_member_logs_into_the_admin(browser, db):
    get_user_model().objects.create_superuser("admin-test", "a@example.org", "correct-horse-9")
    login(browser, "admin-test", "correct-horse-9")
    assert "/admin/login/" not in browser.current_url
    assert browser.find_element(By.ID, "user-tools")
