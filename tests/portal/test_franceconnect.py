"""FranceConnect login against a real OpenID provider (django-oauth-toolkit in a second
process): the round trip, what the session keeps, the button, the logout."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.template.loader import render_to_string
from django.test import RequestFactory

from portal import franceconnect

pytestmark = pytest.mark.django_db

MARIE = {
    "first_names": "Marie Louise",
    "birth_name": "Martin",
    "birth_date": "1948-03-21",
    "sex": "F",
    "birth_place": "Villeurbanne",
    "email": "marie.martin@example.org",
}


def _request(client, path="/citoyen/registre/"):
    request = RequestFactory().get(path)
    request.session = client.session
    return request


def test_login_round_trip_prefills_the_portal_forms(franceconnect_on, citizen, client):
    response = citizen.login("/citoyen/registre/")
    assert response.status_code == 302
    assert response["Location"] == "/citoyen/registre/"
    request = _request(client)
    assert franceconnect.identity(request) == {
        "given_name": "Marie Louise",
        "family_name": "Martin",
        "birthdate": "1948-03-21",
        "gender": "female",
        "birthplace": "69266",
        "email": "marie.martin@example.org",
    }
    assert franceconnect.prefill(request) == MARIE


def test_the_session_keeps_one_key_and_the_flow_secrets_are_consumed(
    franceconnect_on, citizen, client
):
    citizen.login()
    assert set(client.session.keys()) == {"franceconnect"}
    kept = client.session["franceconnect"]
    assert set(kept) == {"identity", "id_token"}
    assert kept["id_token"].count(".") == 2


@pytest.mark.parametrize(
    "client_id",
    ["passerelle-json", "passerelle-es256"],
    ids=["userinfo-as-plain-json", "es256-signatures"],
)
def test_json_userinfo_and_es256_signatures_are_accepted(
    franceconnect_on, citizen, client, settings, client_id
):
    settings.FRANCECONNECT_CLIENT_ID = client_id
    assert citizen.login().status_code == 302
    assert franceconnect.prefill(_request(client)) == MARIE


def test_the_authorization_request_carries_state_nonce_pkce_and_acr(franceconnect_on, citizen):
    url = citizen.start()
    assert url.startswith(f"{franceconnect_on.issuer}/authorize/")
    query = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["acr_values"] == "eidas1"
    assert query["prompt"] == "login consent"
    assert query["redirect_uri"] == "http://testserver/citoyen/franceconnect/callback/"
    assert set(query["scope"].split()) == {
        "openid",
        "given_name",
        "family_name",
        "birthdate",
        "gender",
        "birthplace",
        "email",
    }


def test_the_discovery_document_and_keys_are_read_once(franceconnect_on, citizen):
    discovery = "/o/.well-known/openid-configuration"
    jwks = "/o/.well-known/jwks.json"
    before = franceconnect_on.hits(discovery), franceconnect_on.hits(jwks)
    citizen.login()
    citizen.login()
    after = franceconnect_on.hits(discovery), franceconnect_on.hits(jwks)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)


def test_a_signing_key_missing_from_the_cached_keys_fetches_them_again(
    franceconnect_on, citizen, client
):
    """Key rotation: keys cached before the provider's current key appeared are read again."""
    from django.core.cache import cache

    from portal.franceconnect import client as fc_client

    citizen.start()  # discovery cached
    old_keys = requests.get(f"{franceconnect_on.issuer}/.well-known/jwks.json", timeout=10).json()
    old_keys["keys"] = [key for key in old_keys["keys"] if key["alg"] == "ES256"]
    cache.set(fc_client._cache_key("jwks"), old_keys)
    before = franceconnect_on.hits("/o/.well-known/jwks.json")
    assert citizen.login().status_code == 302
    assert franceconnect_on.hits("/o/.well-known/jwks.json") == before + 1
    assert franceconnect.prefill(_request(client)) == MARIE
    assert len(cache.get(fc_client._cache_key("jwks"))["keys"]) == 2


def test_no_personal_data_in_logs_or_addresses(franceconnect_on, citizen, caplog):
    caplog.set_level("DEBUG")
    start = citizen.start()
    back = citizen.authorize(start)
    done = citizen.back_to_portal(back)
    for text in (caplog.text, start, back, done["Location"]):
        for value in ("Martin", "Marie", "1948", "69266", "marie.martin"):
            assert value not in text


def test_a_next_page_outside_the_portal_is_ignored(franceconnect_on, citizen):
    response = citizen.login("https://ailleurs.example/citoyen/")
    assert response["Location"] == "/citoyen/"
    assert citizen.login("/admin/")["Location"] == "/citoyen/"


def test_the_button_offers_login_then_logout(franceconnect_on, citizen, client, settings):
    page = render_to_string("portal/franceconnect/button.html", request=_request(client))
    assert "S'identifier avec FranceConnect" in page
    assert 'href="/citoyen/franceconnect/connexion/?next=%2Fcitoyen%2Fregistre%2F"' in page
    citizen.login()
    page = render_to_string("portal/franceconnect/button.html", request=_request(client))
    assert "S'identifier avec FranceConnect" not in page
    assert 'action="/citoyen/franceconnect/deconnexion/"' in page
    assert "csrfmiddlewaretoken" in page
    settings.FRANCECONNECT_ENABLED = False
    assert render_to_string("portal/franceconnect/button.html", request=_request(client)) == "\n"


def test_logout_clears_the_session_and_ends_the_provider_session(franceconnect_on, citizen, client):
    citizen.login()
    id_token = client.session["franceconnect"]["id_token"]
    response = client.post("/citoyen/franceconnect/deconnexion/")
    assert "franceconnect" not in client.session
    assert franceconnect.identity(_request(client)) is None
    assert franceconnect.prefill(_request(client)) == {}
    # A page that moves on to the provider (no cross-site redirect of a form: CSP form-action).
    assert response.status_code == 200
    page = response.content.decode()
    refresh = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', page)
    link = re.search(r'<a href="([^"]+)">Continuer vers FranceConnect</a>', page)
    location = html.unescape(refresh.group(1))
    assert html.unescape(link.group(1)) == location
    assert location.startswith(f"{franceconnect_on.issuer}/logout/")
    query = parse_qs(urlsplit(location).query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == [
        "http://testserver/citoyen/franceconnect/deconnecte/"
    ]
    # The provider accepts the hint, ends its own session and sends the person back to us.
    answer = citizen.provider.get(location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    assert answer.headers["Location"].startswith(query["post_logout_redirect_uri"][0])
    page = citizen.back_to_portal(answer.headers["Location"])
    assert page.status_code == 200
    assert "Vous êtes déconnecté de FranceConnect" in page.content.decode()
    # Logged out at the provider: the next login asks for the password again.
    again = citizen.provider.get(citizen.start(), timeout=10)
    assert 'name="password"' in again.text


def test_logout_is_post_only(franceconnect_on, client):
    assert client.get("/citoyen/franceconnect/deconnexion/").status_code == 405


def test_logout_without_a_franceconnect_login_stays_local(franceconnect_on, client):
    response = client.post("/citoyen/franceconnect/deconnexion/")
    assert response.status_code == 302
    assert response["Location"] == "http://testserver/citoyen/franceconnect/deconnecte/"
