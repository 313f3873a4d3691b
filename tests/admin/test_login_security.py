"""Safe login: lockout after repeated wrong passwords, TOTP for the roles that need it, an idle
timeout, HTML error pages for people and problem details for machines, offline API docs, and
per-install secrets for the embedded default."""

import stat

import pytest
from django.conf import settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from hub.registry.models import Membership, Organization, Role
from hub.registry.roles import sync_user_role_groups
from tests.embedded import embedded_env, manage

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff(django_user_model):
    def make(role: str, username: str):
        user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True)
        organization, _ = Organization.objects.get_or_create(name="CCAS Sécurité", kind="ccas")
        Membership.objects.create(user=user, organization=organization, role=role)
        sync_user_role_groups(user)
        return user

    return make


def login(client, username, password=PASSWORD):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, follow=False
    )


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, staff):
    staff(Role.AGENT, "agent-lock")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "agent-lock", "wrong").status_code == 200
    assert login(client, "agent-lock", "wrong").status_code == 429  # the limit is reached
    locked = login(client, "agent-lock")
    assert locked.status_code == 429
    assert "Connexion temporairement bloquée" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(client, staff):
    staff(Role.AGENT, "agent-reset")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "agent-reset", "wrong")
    assert login(client, "agent-reset").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "agent-reset", "wrong")
    assert login(client, "agent-reset").status_code == 302


@pytest.mark.second_factor
def test_a_dpo_sets_up_totp_then_needs_a_code_at_each_login(client, staff):
    dpo = staff(Role.DPO, "dpo-otp")
    assert login(client, "dpo-otp").status_code == 302
    page = client.get("/admin/")
    assert page.status_code == 302 and page.url.startswith("/admin/deux-facteurs/")
    setup = client.get("/admin/deux-facteurs/configurer/?next=/admin/")
    assert setup.status_code == 200 and "<svg" in setup.content.decode()
    device = TOTPDevice.objects.get(user=dpo, confirmed=False)
    refused = client.post(
        "/admin/deux-facteurs/configurer/", {"token": "000000", "next": "/admin/"}
    )
    assert "ne correspond pas" in refused.content.decode() or current_code(device) == "000000"
    device.refresh_from_db()
    device.throttle_reset()  # django-otp delays the next try after a wrong code: time passes
    done = client.post(
        "/admin/deux-facteurs/configurer/", {"token": current_code(device), "next": "/admin/"}
    )
    assert done.status_code == 302 and done.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    client.logout()
    login(client, "dpo-otp")
    assert client.get("/admin/").url.startswith("/admin/deux-facteurs/")
    device.refresh_from_db()
    device.last_t = -1  # a new login may reuse the current time step in this fast test
    device.save()
    verified = client.post(
        "/admin/deux-facteurs/", {"token": current_code(device), "next": "/admin/"}
    )
    assert verified.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.second_factor
def test_agents_are_not_asked_for_a_second_factor_by_default(client, staff):
    staff(Role.AGENT, "agent-plain")
    login(client, "agent-plain")
    assert client.get("/admin/").status_code == 200


def test_sessions_end_after_an_idle_half_hour_and_with_the_browser():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_people_get_a_french_page_and_machines_problem_details(client, staff):
    staff(Role.AGENT, "agent-404")
    login(client, "agent-404")
    page = client.get("/admin/registry/nothing-here/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
    assert "Page introuvable" in page.content.decode()
    api = client.get("/api/v1/nothing-here")
    assert api.status_code == 404 and api["Content-Type"] == "application/problem+json"


def test_api_docs_load_nothing_from_outside(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "https://" not in page and "http://" not in page.replace("http://testserver", "")
    assert "/static/drf_spectacular_sidecar/redoc/" in page


def test_embedded_default_creates_per_install_secrets_and_production_refuses_none(tmp_path):
    env = embedded_env(tmp_path)
    first = manage("check", env=env)
    assert first.returncode == 0, first.stderr
    secret = tmp_path / "secret_key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_text().strip()) >= 50
    before = secret.read_text()
    assert manage("check", env=env).returncode == 0
    assert secret.read_text() == before, "the per-install secret is kept"
    production = manage(
        "check", env={**env, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/none"}
    )
    assert production.returncode != 0
    assert "SECRET_KEY is required" in production.stderr
    assert "Traceback" not in production.stderr
