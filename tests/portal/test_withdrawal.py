"""The withdrawal link: a GET shows a button and changes nothing; the POST withdraws once; an
invalid, used or expired link answers one neutral page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from consent.models import PortalConsent
from tests.portal.conftest import CSRF, help_data

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/citoyen/retrait/[A-Za-z0-9_\-]+/)"')


def consent_link(client, ccas) -> str:
    assert client.post("/citoyen/demande/", help_data(ccas)).status_code == 302
    links = LINK.findall(client.get("/citoyen/recu/").content.decode())
    assert len(links) == 1
    return links[0]


def state() -> list:
    return list(PortalConsent.objects.values_list("pk", "withdrawn_at", "token_used_at"))


def test_a_get_shows_a_confirm_button_and_changes_nothing(client, ccas):
    link = consent_link(client, ccas)
    before = state()
    for _ in range(3):
        response = client.get(link)
        assert response.status_code == 200
        body = response.content.decode()
        assert "Je retire mon accord" in body and 'method="post"' in body
    assert state() == before


def test_the_post_withdraws_once_then_the_link_is_neutral(client, ccas):
    link = consent_link(client, ccas)
    done = client.post(link)
    assert done.status_code == 200
    assert "Votre accord « Coordination de l&#x27;accompagnement » est retiré" in (
        done.content.decode()
    )
    assert PortalConsent.objects.get().withdrawn_at is not None
    used = client.post(link)
    unknown = client.post("/citoyen/retrait/" + "B" * 43 + "/")
    assert used.status_code == unknown.status_code == 200
    assert CSRF.sub(b"", used.content) == CSRF.sub(b"", unknown.content)
    assert "Ce lien ne peut pas servir" in used.content.decode()


def test_a_malformed_token_answers_the_portals_404(client):
    response = client.get("/citoyen/retrait/%3Cscript%3E/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_withdrawals_are_rate_limited_per_address(ccas, settings):
    settings.PORTAL_RATE_PER_IP = 2
    client = Client()
    for _ in range(2):
        assert client.post("/citoyen/retrait/" + "C" * 43 + "/").status_code == 200
    assert client.post("/citoyen/retrait/" + "C" * 43 + "/").status_code == 429
