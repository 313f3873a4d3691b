"""Fixtures: real OAuth2 clients and tokens obtained through /o/token/, never forged."""

from __future__ import annotations

import base64

import pytest
from django.db import connection
from rest_framework.test import APIClient

from hub.registry.partners import onboard_partner
from tests.factories import OrganizationFactory

pytest_plugins = [
    "tests.browser.harness",
    "tests.browser.demo",
    "tests.portal.oidc_provider.plugin",
]

ALL_SCOPES = (
    "records:read records:write consents:read consents:write cases:read cases:write "
    "referrals:read referrals:write events:read webhooks:manage"
)


@pytest.fixture(autouse=True)
def _celery_mode(request):
    """Tasks run eagerly in tests, except in ``broker`` tests, which need a real broker and
    worker: without CELERY_BROKER_URL they are skipped with that reason."""
    import os

    from hub.celery import app

    needs_broker = request.node.get_closest_marker("broker") is not None
    if needs_broker and not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("needs a real Celery broker and worker: set CELERY_BROKER_URL")
    # Both spellings: with settings read under the CELERY namespace, Celery 5.6 answers the
    # namespaced key first, so setting only ``task_always_eager`` would change nothing.
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = app.conf.CELERY_TASK_ALWAYS_EAGER = not needs_broker
    yield
    app.conf.task_always_eager = app.conf.CELERY_TASK_ALWAYS_EAGER = previous


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle buckets and cached flags never leak from one test into the next (ids are
    reused after a transactional test flushes the tables)."""
    from django.core.cache import cache

    cache.clear()
    yield


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need PostgreSQL features; on SQLite they are deselected
    loudly (reported as skipped with the reason), and CI runs them on PostgreSQL."""
    from django.conf import settings

    if settings.USES_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (runs in CI with DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


class Partner:
    """An onboarded partner organization with one OAuth2 client."""

    def __init__(self, name: str, kind: str = "ccas", scopes: str = ALL_SCOPES):
        self.onboarded = onboard_partner(name=name, kind=kind, scopes=scopes.split())
        self.organization = self.onboarded.organization
        self.client_id = self.onboarded.client_id
        self.client_secret = self.onboarded.client_secret

    def basic_authorization(self) -> str:
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        return f"Basic {basic}"

    def token(self, scope: str | None = None) -> str:
        client = APIClient()
        data = {"grant_type": "client_credentials"}
        if scope:
            data["scope"] = scope
        response = client.post("/o/token/", data, HTTP_AUTHORIZATION=self.basic_authorization())
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    def api(self, scope: str | None = None) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.token(scope)}")
        return client


@pytest.fixture
def partner_a(db):
    return Partner("CCAS de Villeurbanne")


@pytest.fixture
def partner_b(db):
    return Partner("Association Solidarité Lyon", kind="association")


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _second_factor_off_unless_tested(request, settings):
    """Admin tests log staff in with ``force_login``; the second factor has its own tests
    (tests/admin/test_login_security.py, marked ``second_factor``), which keep the
    production default."""
    if request.node.get_closest_marker("second_factor") is None:
        settings.OTP_REQUIRED_ROLES = []
        settings.OTP_REQUIRED_FOR_SUPERUSERS = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Client secrets and passwords are hashed with PBKDF2 in production; tests use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
