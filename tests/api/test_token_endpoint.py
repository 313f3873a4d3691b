"""The token endpoint: HTTP Basic client authentication only, and no token for a disabled client."""

import pytest
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _refused(response):
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["error"] == "invalid_client"
    assert "client_secret_basic" in body["error_description"]
    assert response["WWW-Authenticate"].startswith("Basic ")
    assert "access_token" not in body
    return body


def _basic(partner):
    return APIClient().post(
        "/o/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=partner.basic_authorization(),
    )


def test_http_basic_client_authentication_gets_a_token(partner_a):
    response = _basic(partner_a)
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"
    assert AccessToken.objects.count() == 1


def test_credentials_in_the_body_are_refused_and_the_answer_names_http_basic(partner_a):
    response = APIClient().post(
        "/o/token/",
        {
            "grant_type": "client_credentials",
            "client_id": partner_a.client_id,
            "client_secret": partner_a.client_secret,
        },
    )
    body = _refused(response)
    assert "client_secret_post" in body["error_description"]
    assert not AccessToken.objects.exists()


def test_disabled_client_gets_no_token(partner_a):
    client = partner_a.onboarded.client
    client.is_active = False
    client.save(update_fields=["is_active"])
    _refused(_basic(partner_a))
    assert not AccessToken.objects.exists()


def test_client_of_a_disabled_organization_gets_no_token(partner_a):
    organization = partner_a.organization
    organization.is_active = False
    organization.save(update_fields=["is_active"])
    _refused(_basic(partner_a))
    assert not AccessToken.objects.exists()


def test_wrong_secret_is_refused(partner_a):
    partner_a.client_secret = "not-the-secret"
    _refused(_basic(partner_a))
    assert not AccessToken.objects.exists()
