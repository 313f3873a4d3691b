"""Safe in public: CSRF, rate limits per address and per e-mail or phone, the honeypot, the size
limit, security headers and a strict CSP, no personal data in URLs or logs."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from tests.portal.conftest import PERSON, help_data, registration_data, written

pytestmark = pytest.mark.django_db

PAGES = (
    "/citoyen/",
    "/citoyen/registre/",
    "/citoyen/demande/",
    "/citoyen/recu/",
    "/citoyen/confidentialite/",
    "/citoyen/retrait/AAAAAAAAAAAAAAAAAAAAAAAA/",
    "/citoyen/nulle-part/",
)


def test_a_post_without_a_csrf_token_is_refused_with_a_french_page(ccas):
    client = Client(enforce_csrf_checks=True)
    for url, data in (
        ("/citoyen/registre/", registration_data()),
        ("/citoyen/demande/", help_data(ccas)),
        ("/citoyen/retrait/AAAAAAAAAAAAAAAAAAAAAAAA/", {}),
    ):
        response = client.post(url, data)
        assert response.status_code == 403
        body = response.content.decode()
        assert '<html lang="fr">' in body and "Formulaire expiré" in body
        assert "Content-Security-Policy" in response.headers
    assert written() == (0, 0)


def test_a_post_with_the_pages_csrf_token_is_accepted(ccas):
    client = Client(enforce_csrf_checks=True)
    client.get("/citoyen/demande/")
    token = client.cookies["csrftoken"].value
    response = client.post("/citoyen/demande/", {**help_data(ccas), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert written() == (1, 1)


def test_too_many_forms_from_one_address_answer_429_in_french(client, ccas, settings):
    settings.PORTAL_RATE_PER_IP = 2
    for _ in range(2):
        assert client.post("/citoyen/demande/", {}).status_code == 400
    response = client.post("/citoyen/demande/", help_data(ccas))
    assert response.status_code == 429
    assert "Trop de demandes" in response.content.decode()
    assert "attendez une heure avant de réessayer" in response.content.decode()
    assert response["Retry-After"] == "3600"
    assert written() == (0, 0)
    # Another address is not held back.
    other = client.post("/citoyen/demande/", help_data(ccas), REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 302


def test_too_many_requests_for_one_email_answer_429_from_any_address(client, ccas, settings):
    settings.PORTAL_RATE_PER_ADDRESS = 2
    for number in range(2):
        response = client.post(
            "/citoyen/demande/", help_data(ccas), REMOTE_ADDR=f"198.51.100.{number}"
        )
        assert response.status_code == 302
    response = client.post(
        "/citoyen/demande/",
        help_data(ccas, email="ODETTE.lefevre@example.org", phone="", preferred_contact="email"),
        REMOTE_ADDR="198.51.100.77",
    )
    assert response.status_code == 429
    assert written() == (2, 2)


def test_the_honeypot_answers_like_a_success_and_writes_nothing(client, ccas):
    response = client.post("/citoyen/demande/", {**help_data(ccas), "site_web": "http://spam"})
    assert response.status_code == 302 and response["Location"] == "/citoyen/recu/"
    assert "est envoyée" in client.get("/citoyen/recu/").content.decode()
    assert written() == (0, 0)


def test_a_body_over_the_limit_answers_413_and_nothing_is_read(client, ccas, settings):
    settings.PORTAL_MAX_BODY_BYTES = 4096
    response = client.post("/citoyen/demande/", help_data(ccas, situation="x" * 5000))
    assert response.status_code == 413
    assert "Formulaire trop long" in response.content.decode()
    assert written() == (0, 0)


@pytest.mark.parametrize("url", PAGES)
def test_every_portal_page_has_a_strict_csp_and_no_inline_script_or_style(client, ccas, url):
    response = client.get(url)
    assert response.status_code in (200, 404)
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode().lower()
    assert "<script" not in body and "<style" not in body and " style=" not in body
    assert "Responsable du traitement" in response.content.decode()
    assert 'href="/citoyen/confidentialite/"' in body


def test_the_csp_stays_on_the_portal(client):
    assert "Content-Security-Policy" not in client.get("/healthz").headers


def test_no_personal_data_in_urls_or_logs(client, ccas, caplog):
    caplog.set_level(logging.DEBUG)
    response = client.post("/citoyen/registre/", registration_data())
    assert response.status_code == 302
    receipt = client.get("/citoyen/recu/").content.decode()
    values = [PERSON["birth_name"], PERSON["first_names"], "jeanne.martin", "0478", "78 12 34"]
    urls = [response["Location"]] + [part.split('"')[0] for part in receipt.split('href="')[1:]]
    for url in urls:
        for value in values:
            assert value.lower() not in url.lower(), url
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for value in values:
        assert value.lower() not in logged.lower()


def test_a_get_of_a_form_page_writes_nothing(client, ccas):
    for url in PAGES:
        client.get(url)
    assert written() == (0, 0)


def test_an_address_without_its_final_slash_is_redirected_then_found(client, ccas):
    response = client.get("/citoyen/registre")
    assert response.status_code == 301 and response["Location"] == "/citoyen/registre/"
    assert client.get("/citoyen/nulle-part", follow=True).status_code == 404


def test_a_form_with_thousands_of_fields_is_refused_not_crashed(client, ccas):
    body = "&".join(f"f{number}=" for number in range(1500))
    response = client.post(
        "/citoyen/demande/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Demande incorrecte" in body and "<style" not in body
    assert written() == (0, 0)
