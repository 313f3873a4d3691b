"""A volunteer of the réserve communale takes calls in a real browser: no answer, then reached
on the retry, and the campaign view follows. No serious or critical accessibility violation."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from crisis import calls, plans, register
from hub.registry.actors import Actor
from hub.registry.roles import ensure_role_groups, sync_user_role_groups
from tests.browser.harness import axe_violations, describe, follow, login
from tests.crisis.conftest import make_caller, person_body

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "réserve-communale-2026"


def _message(browser, text: str) -> str:
    """The page after the outcome's POST has loaded (the message list shows ``text``)."""
    return WebDriverWait(browser, 10).until(
        lambda d: next(
            (
                li.text
                for li in d.find_elements(By.CSS_SELECTOR, ".messagelist li")
                if text in li.text
            ),
            None,
        )
    )


def _choose(browser, label_text: str) -> None:
    label = browser.find_element(By.XPATH, f"//label[normalize-space()='{label_text}']")
    browser.find_element(By.ID, label.get_attribute("for")).click()
    follow(browser, browser.find_element(By.ID, "record-outcome"))


def test_volunteer_records_no_answer_then_reached_and_sees_the_campaign(
    browser, commune, agent_actor, settings
):
    settings.CRISIS_RETRY_MINUTES = 0
    register.register_person(
        actor=agent_actor, person=person_body(), category="age_65", requested_by="self"
    )
    activation = plans.activate(
        actor=agent_actor, plan="heatwave", level="alert", reason="Canicule"
    )
    volunteer = make_caller(commune.organization, username="benevole")
    volunteer.set_password(PASSWORD)
    volunteer.save()
    ensure_role_groups()  # a transactional test before this one may have flushed the groups
    sync_user_role_groups(volunteer)
    calls.add_caller(actor=agent_actor, activation_id=activation.pk, user=volunteer)

    login(browser, "benevole", PASSWORD)
    browser.find_element(By.ID, "user-tools")  # logged in (waits for the page)
    browser.get(f"{browser.base}/admin/crisis/call/next/")
    assert "Prochain appel" in browser.title
    violations = axe_violations(browser)
    assert not violations, describe(violations)

    follow(browser, browser.find_element(By.ID, "take-next"))
    card = browser.find_element(By.ID, "current-call")
    assert "LEFÈVRE Odette" in card.text and "0478123456" in card.text
    violations = axe_violations(browser)
    assert not violations, describe(violations)
    _choose(browser, "Pas de réponse")
    assert _message(browser, "Pas de réponse").startswith("Résultat enregistré : Pas de réponse")

    follow(browser, browser.find_element(By.ID, "take-next"))
    assert "tentative 2" in browser.find_element(By.ID, "call-step").text
    _choose(browser, "Joint·e, va bien")
    assert _message(browser, "Joint·e").startswith("Résultat enregistré : Joint·e, va bien")

    follow(browser, browser.find_element(By.LINK_TEXT, "Voir la campagne"))
    assert browser.find_element(By.ID, "stat-reached").text == "1"
    assert browser.find_element(By.ID, "stat-pending").text == "0"
    violations = axe_violations(browser)
    assert not violations, describe(violations)
    call = activation.calls.get()
    assert call.status == "reached" and call.total_attempts == 2
    assert set(call.attempt_log.values_list("by_label", flat=True)) == {
        Actor.for_user(volunteer).label
    }
