"""What the FranceConnect login refuses, each produced by the real provider (a client whose
tokens it tampers with, a cancelled consent) or by the portal's settings, never by a mock."""

import os
import socket
import subprocess
import sys
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory

from portal import franceconnect
from tests.portal.oidc_provider.plugin import ROOT

pytestmark = pytest.mark.django_db

REFUSED = "La connexion avec FranceConnect a échoué"
PAGES = [
    "/citoyen/franceconnect/connexion/",
    "/citoyen/franceconnect/callback/?code=abc&state=def",
    "/citoyen/franceconnect/deconnecte/",
]


def _identity(client):
    request = RequestFactory().get("/citoyen/")
    request.session = client.session
    return franceconnect.identity(request)


def _with(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query.update(changes)
    return parts._replace(query=urlencode(query)).geturl()


def test_franceconnect_is_off_by_default_and_calls_nobody(oidc_provider, client):
    assert django_settings.FRANCECONNECT_ENABLED is False
    before = oidc_provider.log.read_text()
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 404, page
        assert "Page introuvable" in response.content.decode()
    assert client.post("/citoyen/franceconnect/deconnexion/").status_code == 404
    assert oidc_provider.log.read_text() == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({}, "FRANCECONNECT_ENABLED needs FRANCECONNECT_ISSUER"),
        (
            {"FRANCECONNECT_ISSUER": "http://fc.example/api/v2", "FRANCECONNECT_CLIENT_ID": "a"},
            "FRANCECONNECT_ISSUER must be an https:// address",
        ),
        ({"FRANCECONNECT_ENABLED": "oui"}, "FRANCECONNECT_ENABLED='oui' is not a boolean"),
    ],
    ids=["no-credentials", "plain-http-issuer", "not-a-boolean"],
)
def test_a_wrong_configuration_stops_the_start_with_one_line(extra, message):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FRANCECONNECT_") and key != "DEBUG"
    }
    env.update(FRANCECONNECT_ENABLED="true", SECRET_KEY="x", NIR_HASH_KEY="y")
    if "FRANCECONNECT_ISSUER" in extra:
        env["FRANCECONNECT_CLIENT_SECRET"] = "s"
    env.update(extra)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("configuration error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_tampered_state_is_refused(franceconnect_on, citizen, client, caplog):
    back = citizen.authorize(citizen.start())
    response = citizen.back_to_portal(_with(back, state="x" * 43))
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert "not completed: state_mismatch" in caplog.text
    assert _identity(client) is None


def test_a_callback_cannot_be_replayed(franceconnect_on, citizen, client):
    back = citizen.authorize(citizen.start())
    assert citizen.back_to_portal(back).status_code == 302
    client.post("/citoyen/franceconnect/deconnexion/")
    replayed = citizen.back_to_portal(back)
    assert replayed.status_code == 400
    assert _identity(client) is None


def test_a_foreign_issuer_in_the_response_is_refused(franceconnect_on, citizen, client, caplog):
    back = citizen.authorize(citizen.start())
    response = citizen.back_to_portal(_with(back, iss="https://usurpateur.example/o"))
    assert response.status_code == 400
    assert "not completed: issuer_mismatch" in caplog.text
    assert _identity(client) is None


@pytest.mark.parametrize(
    ("client_id", "reason"),
    [
        ("passerelle-wrong-nonce", "id_token_claims_invalid"),
        ("passerelle-wrong-audience", "id_token_claims_invalid"),
        ("passerelle-expired", "id_token_claims_invalid"),
        ("passerelle-unpublished-key", "id_token_signature_invalid"),
        ("passerelle-alg-none", "id_token_signature_invalid"),
        ("passerelle-userinfo-unpublished-key", "userinfo_signature_invalid"),
        ("passerelle-userinfo-alg-none", "userinfo_signature_invalid"),
    ],
)
def test_a_token_or_userinfo_that_does_not_verify_is_refused(
    franceconnect_on, citizen, client, settings, caplog, client_id, reason
):
    settings.FRANCECONNECT_CLIENT_ID = client_id
    response = citizen.login()
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert f"FranceConnect login not completed: {reason}" in caplog.text
    assert _identity(client) is None


def test_a_cancelled_consent_says_so_and_goes_back_to_the_form(franceconnect_on, citizen, client):
    back = citizen.authorize(citizen.start("/citoyen/demande/"), allow=False)
    assert parse_qs(urlsplit(back).query)["error"] == ["access_denied"]
    response = citizen.back_to_portal(back)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Vous avez annulé la connexion avec FranceConnect" in page
    assert 'href="/citoyen/demande/"' in page
    assert _identity(client) is None
    assert not [key for key in tuple(client.session.keys()) if key.startswith("_state_")]


def test_a_provider_error_gives_a_french_page(franceconnect_on, citizen, client):
    back = citizen.authorize(citizen.start())
    response = citizen.back_to_portal(_with(back, error="server_error", code=""))
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert _identity(client) is None


def test_a_provider_that_does_not_answer_gives_a_french_page(settings, client):
    with socket.socket() as probe:  # a port where nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.FRANCECONNECT_ENABLED = True
    settings.FRANCECONNECT_ISSUER = f"http://127.0.0.1:{port}/o"
    settings.FRANCECONNECT_CLIENT_ID = "passerelle"
    settings.FRANCECONNECT_CLIENT_SECRET = "secret"
    response = client.get("/citoyen/franceconnect/connexion/")
    assert response.status_code == 503
    assert "FranceConnect est indisponible" in response.content.decode()


def test_a_wrong_client_secret_is_refused_by_the_provider(
    franceconnect_on, citizen, settings, caplog
):
    settings.FRANCECONNECT_CLIENT_SECRET = "pas-le-bon-secret"
    response = citizen.login()
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert "not completed: token_refused" in caplog.text


def test_a_callback_without_code_is_refused(franceconnect_on, client):
    response = client.get("/citoyen/franceconnect/callback/")
    assert response.status_code == 400
    assert REFUSED in response.content.decode()


def test_an_identity_below_the_asked_level_is_refused(
    franceconnect_on, citizen, client, settings, caplog
):
    settings.FRANCECONNECT_ACR = "eidas2"  # the provider vouches for eidas1 only
    response = citizen.login()
    assert response.status_code == 400
    assert "not completed: id_token_claims_invalid" in caplog.text
    assert _identity(client) is None
