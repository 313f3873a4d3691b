"""The portal answers alike whatever the hub holds: a person already known (a partner's record,
an entry in the register) and a stranger get the same pages, modulo the reference and the
withdrawal tokens, which have the same format."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from crisis.register import register_person
from exchanges.records import submit_record
from hub.registry.actors import Actor
from tests.portal.conftest import CSRF, help_data, registration_data

pytestmark = pytest.mark.django_db

KNOWN = {"first_names": "Odette", "birth_name": "Lefèvre", "birth_date": "02/03/1938"}
UNKNOWN = {"first_names": "Ginette", "birth_name": "Zyxwvut", "birth_date": "14/11/1941"}
REFERENCE = re.compile(rb'<strong class="portal-reference" id="reference">([^<]+)</strong>')
TOKEN = re.compile(rb"/citoyen/retrait/([A-Za-z0-9_\-]+)/")


@pytest.fixture
def hub_knows_odette(ccas):
    """Odette is in the CCAS's files and in the commune's register."""
    actor = Actor(organization_id=ccas.pk, organization_ids=(ccas.pk,))
    body = {
        "first_names": "Odette",
        "birth_name": "Lefèvre",
        "birth_date": "1938-03-02",
        "phone": "0478123456",
        "address": {"line": "12 rue Francis de Pressensé", "postcode": "69100"},
    }
    submit_record(actor=actor, external_id="CCAS-0001", payload=body)
    register_person(actor=actor, person=body, category="age_65", requested_by="self")


def shape(body: bytes) -> tuple[bytes, list[bytes], list[bytes]]:
    """The page with its reference, tokens and CSRF token replaced; and those values."""
    references = REFERENCE.findall(body)
    tokens = TOKEN.findall(body)
    body = REFERENCE.sub(b"REFERENCE", body)
    body = TOKEN.sub(b"/citoyen/retrait/TOKEN/", body)
    return CSRF.sub(b"CSRF", body), references, tokens


def answers(url: str, data: dict) -> tuple:
    client = Client()
    response = client.post(url, data)
    receipt = client.get("/citoyen/recu/") if response.status_code == 302 else response
    return response.status_code, response.get("Location"), shape(receipt.content)


@pytest.mark.parametrize("form", ["registre", "demande"])
def test_a_known_and_an_unknown_person_get_the_same_pages(form, ccas, hub_knows_odette):
    url = f"/citoyen/{form}/"
    build = registration_data if form == "registre" else (lambda **kw: help_data(ccas, **kw))
    known = answers(url, build(**KNOWN))
    unknown = answers(url, build(**UNKNOWN))
    assert known[0] == unknown[0] == 302 and known[1] == unknown[1]
    (known_page, known_refs, known_tokens), (unknown_page, unknown_refs, unknown_tokens) = (
        known[2],
        unknown[2],
    )
    assert known_page == unknown_page
    assert len(known_refs) == len(unknown_refs) == 1 and known_refs != unknown_refs
    assert re.fullmatch(rb"[A-Z0-9-]+", known_refs[0])
    assert len(known_refs[0]) == len(unknown_refs[0])
    assert [len(t) for t in known_tokens] == [len(t) for t in unknown_tokens]


@pytest.mark.parametrize("form", ["registre", "demande"])
def test_a_known_and_an_unknown_person_get_the_same_errors(form, ccas, hub_knows_odette):
    url = f"/citoyen/{form}/"
    build = registration_data if form == "registre" else (lambda **kw: help_data(ccas, **kw))
    known = answers(url, build(**KNOWN, postcode="1"))
    unknown = answers(url, build(**UNKNOWN, postcode="1"))
    assert known[0] == unknown[0] == 400
    strip = [(value, b"X") for key, value in KNOWN.items()] + [
        (value, b"X") for key, value in UNKNOWN.items()
    ]
    pages = []
    for _, _, (page, _, _) in (known, unknown):
        for value, mark in strip:
            page = page.replace(value.encode(), mark)
        pages.append(page)
    assert pages[0] == pages[1]
