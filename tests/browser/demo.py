"""The demo territory (``fixtures/demo.py``), loaded once per test session, for the admin crawl
and the persona flows in a real browser.

Loading the demo takes tens of seconds, so it is not redone per test: ``demo`` loads it once,
committed, and flushes the tables when the session ends. A test asks for ``demo_db`` (database
access without a wrapping transaction) instead of ``db``; pytest-django then counts it among the
tests that use no database and runs it after the transactional ones, so no other test sees the
demo and no flush removes it under these tests. ``demo_browser`` is a headless Chromium on a
live server started once for the session.

What a flow writes through the pages stays for the next test of the session: each persona
works on its own persons, and the crawl (which runs first, ``tests/admin``) only reads.
"""

from __future__ import annotations

import pytest

from tests.browser.harness import desktop_browser

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    """The demo's tests run last, after the transactional ones (whatever pytest-django's order)."""
    uses_demo = [item for item in items if "demo" in getattr(item, "fixturenames", ())]
    if uses_demo:
        others = [item for item in items if item not in set(uses_demo)]
        items[:] = others + uses_demo


def _test_database(django_db_blocker):
    """pytest-django creates the test database only when a selected test asks for ``db``:
    create it here when only demo tests are selected; the teardown to call, or None."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.settings_dict["NAME"] == connection.creation._get_test_db_name():
        return None
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    return lambda: teardown_databases(config, verbosity=0)


@pytest.fixture(scope="session")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once (tasks run eagerly, demo passwords hashed like the tests' ones)."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    from fixtures.demo import load_demo
    from hub.celery import app

    teardown = _test_database(django_db_blocker)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = app.conf.CELERY_TASK_ALWAYS_EAGER = True
    try:
        with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            summary = load_demo()
    finally:
        app.conf.task_always_eager = app.conf.CELERY_TASK_ALWAYS_EAGER = eager
    yield summary
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        if teardown is not None:
            teardown()


@pytest.fixture
def demo_db(demo, django_db_blocker):
    """Database access to the committed demo, for one test."""
    with django_db_blocker.unblock():
        yield demo


@pytest.fixture(scope="session")
def demo_server(demo, django_db_blocker):
    """A live server on the demo, started once for the session."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        server = LiveServer("localhost")
    server._live_server_modified_settings.enable()
    yield server
    server._live_server_modified_settings.disable()
    server.stop()


@pytest.fixture
def demo_browser(request, demo_server, demo_db):
    """A desktop-sized headless Chromium on the demo's live server."""
    yield from desktop_browser(request, demo_server.url)
