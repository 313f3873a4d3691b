"""From FranceConnect's claims to the portal forms' initial values (record body names)."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from portal import franceconnect
from portal.franceconnect import session

pytestmark = pytest.mark.django_db


def _prefill(**claims):
    request = RequestFactory().get("/citoyen/registre/")
    request.session = SessionStore()
    session.store(request, claims={"sub": "1", **claims}, id_token="a.b.c")
    return franceconnect.prefill(request)


def test_no_franceconnect_login_prefills_nothing():
    request = RequestFactory().get("/citoyen/registre/")
    request.session = SessionStore()
    assert franceconnect.identity(request) is None
    assert franceconnect.prefill(request) == {}


@pytest.mark.parametrize(
    ("birthdate", "expected"),
    [("1950-07-14", "1950-07-14"), ("1950-07-00", "1950-07"), ("1950-00-00", "1950")],
)
def test_an_unknown_day_or_month_gives_a_partial_date(birthdate, expected):
    assert _prefill(birthdate=birthdate)["birth_date"] == expected


def test_a_malformed_birthdate_is_left_out():
    assert "birth_date" not in _prefill(birthdate="14/07/1950")


@pytest.mark.parametrize(("gender", "sex"), [("female", "F"), ("male", "M")])
def test_gender_becomes_the_record_sex(gender, sex):
    assert _prefill(gender=gender)["sex"] == sex


def test_an_unexpected_gender_is_left_for_the_person_to_choose():
    assert "sex" not in _prefill(gender="autre")


def test_a_lyon_arrondissement_gives_lyon_and_an_unknown_code_stays_as_given():
    assert _prefill(birthplace="69381")["birth_place"] == "Lyon"
    assert _prefill(birthplace="99999")["birth_place"] == "99999"
    assert "birth_place" not in _prefill(birthplace="")


def test_only_the_identity_claims_are_kept():
    request = RequestFactory().get("/citoyen/")
    request.session = SessionStore()
    session.store(
        request,
        claims={"sub": "1", "family_name": " Dupont ", "preferred_username": "x", "acr": "eidas1"},
        id_token="a.b.c",
    )
    assert franceconnect.identity(request) == {"family_name": "Dupont"}
