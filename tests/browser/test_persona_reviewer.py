"""A reviewer of the CCAS, in a real browser on the demo: opens a possible duplicate of the
review queue, compares both sides, says "same person" (a merge), then undoes the merge from the
merge history. No serious or critical accessibility violation."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By

from tests.browser.personas import accessible, follow, log_in, run_action, wait_text

pytestmark = pytest.mark.browser
QUEUE = "/admin/registry/reviewitem/"
MERGES = "/admin/registry/merge/"


def test_reviewer_merges_two_duplicates_then_undoes_the_merge(demo_browser):
    driver = demo_browser
    log_in(driver, "agent.ccas")
    driver.get(f"{driver.base}{QUEUE}")
    rows = driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert rows, "the CCAS's review queue is empty"
    accessible(driver)
    follow(driver, rows[0].find_element(By.CSS_SELECTOR, "a"))

    title = wait_text(driver, "Doublon possible", "h1, h2")
    names = re.match(r"Doublon possible : (.+) ou (.+) \?", title)
    assert names, title
    accessible(driver)
    follow(driver, driver.find_element(By.CSS_SELECTOR, "button[name=decision][value=same]"))
    merged = wait_text(driver, "Même personne", ".messagelist")
    assert "fusionnée dans" in merged and "(réversible)" in merged
    assert names.group(1) in merged or names.group(2) in merged

    driver.get(f"{driver.base}{MERGES}")
    accessible(driver)
    source = merged.split(" : ", 1)[1].split(" est fusionnée")[0]
    run_action(driver, source, "Annuler la fusion")
    assert "1 fusion(s) annulée(s)." in wait_text(driver, "annulée", ".messagelist")
    row = next(
        r
        for r in driver.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
        if source in r.text
    )
    assert row.find_elements(By.CSS_SELECTOR, "img[alt=True], img[alt=Vrai]"), row.text
