"""Real-browser tests: Debian's Chromium driven by its ChromeDriver (never a downloaded browser),
against pytest-django's live server, with axe-core (from the npm registry, ``node_modules``)
injected in the page for the accessibility check.

A failing browser test leaves a screenshot and the page's HTML in ``$ARTIFACTS_DIR``
(default ``var/artifacts``) for CI to keep.

``browser`` drives pytest-django's ``live_server`` (a transactional test: the tables are
flushed after it). The demo fixtures of ``tests/browser/demo.py`` load ``fixtures/demo.py`` once
per session instead, for the crawl and the persona flows.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", ROOT / "var" / "artifacts"))


def _driver(*, width: int, height: int, javascript: bool = True):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="passerelle-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--lang=en-US",  # French must win whatever the browser's language
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.implicitly_wait(2)
    driver._passerelle_profile = profile
    return driver


def _quit(driver) -> None:
    try:
        driver.quit()
    finally:
        shutil.rmtree(driver._passerelle_profile, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item._browser_report = report


def _keep_artifacts(request, driver) -> None:
    report = getattr(request.node, "_browser_report", None)
    if report is None or not report.failed:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS / request.node.nodeid.replace("/", "_").replace("::", "__")
    driver.save_screenshot(f"{stem}.png")
    Path(f"{stem}.html").write_text(driver.page_source, encoding="utf-8")


def desktop_browser(request, base_url: str):
    """A desktop-sized headless Chromium on ``base_url``, its failure kept (generator)."""
    driver = _driver(width=1280, height=1000)
    driver.base = base_url
    yield driver
    _keep_artifacts(request, driver)
    _quit(driver)


@pytest.fixture
def browser(request, live_server):
    """A desktop-sized headless Chromium; ``browser.base`` is the live server's URL."""
    yield from desktop_browser(request, live_server.url)


@pytest.fixture
def phone_browser(request, live_server):
    """A phone-sized window with JavaScript off (public pages must work without it)."""
    driver = _driver(width=390, height=844, javascript=False)
    driver.base = live_server.url
    yield driver
    _keep_artifacts(request, driver)
    _quit(driver)


@pytest.fixture
def phone_browser_js(request, live_server):
    """The same phone-sized window with JavaScript on: axe-core needs it to audit the pages
    that ``phone_browser`` uses with JavaScript off."""
    driver = _driver(width=390, height=844)
    driver.base = live_server.url
    yield driver
    _keep_artifacts(request, driver)
    _quit(driver)


def axe_violations(driver, *, impacts=("serious", "critical"), tags=None) -> list[dict]:
    """Run axe-core in the current page; the violations of the given impacts (or tags)."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    options = {"runOnly": {"type": "tag", "values": list(tags)}} if tags else {}
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, arguments[0]).then(r => done(JSON.stringify(r.violations)),"
        " e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e)}])));",
        options,
    )
    violations = json.loads(result)
    if tags:
        return violations
    return [v for v in violations if v.get("impact") in impacts]


def describe(violations: list[dict]) -> str:
    return "; ".join(
        f"{v['id']} ({v.get('impact')}): {v.get('help')} — "
        + ", ".join(str(node.get("target")) for node in v.get("nodes", [])[:3])
        for v in violations
    )


def follow(driver, element, timeout: float = 20) -> None:
    """Click ``element`` (a link or a submit button) and wait for the next page.

    A click returns as soon as the browser has the event: reading the page then may still see
    the old one, or an element of it going stale. This waits until the old document is gone and
    the new one is loaded. Not for links to an anchor of the same page.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    wait = WebDriverWait(driver, timeout)
    wait.until(EC.staleness_of(old), f"{driver.current_url}: the click led to no new page")
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")


def login(driver, username: str, password: str, *, totp_code=None) -> None:
    """Log into the admin through its login form.

    ``totp_code``, when given (a code, or a function called once the second-factor page shows,
    as the set-up page creates the device), is typed in the second-factor page (setting up or
    entering a code).
    """
    from selenium.webdriver.common.by import By

    driver.get(f"{driver.base}/admin/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    follow(driver, driver.find_element(By.CSS_SELECTOR, "[type=submit]"))
    if totp_code is not None:
        enter_second_factor(driver, totp_code)


def totp_now(device) -> str:
    """The code an authenticator app shows now for a django-otp ``TOTPDevice``."""
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enter_second_factor(driver, code) -> None:
    """Type ``code`` (or what ``code()`` returns) in the second-factor page and submit it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(lambda d: "/admin/deux-facteurs/" in d.current_url)
    field = driver.find_element(By.NAME, "token")
    field.clear()
    field.send_keys(code() if callable(code) else code)
    field.submit()
