"""FranceConnect login round trip against a real OpenID provider in a second process."""

import pytest
from django.test import RequestFactory

from portal import franceconnect

pytestmark = pytest.mark.django_db


def _request_with(client):
    request = RequestFactory().get("/citoyen/registre/")
    request.session = client.session
    return request


def test_login_round_trip_prefills_the_portal_forms(franceconnect_on, citizen, client):
    response = citizen.login("/citoyen/registre/")
    assert response.status_code == 302
    assert response["Location"] == "/citoyen/registre/"
    request = _request_with(client)
    assert franceconnect.identity(request)["family_name"] == "Martin"
    assert franceconnect.prefill(request) == {
        "first_names": "Marie Louise",
        "birth_name": "Martin",
        "birth_date": "1948-03-21",
        "sex": "F",
        "birth_place": "Villeurbanne",
        "email": "marie.martin@example.org",
    }
