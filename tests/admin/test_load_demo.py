"""``load_demo``: a synthetic territory, loaded twice without change; its demo clients work."""

import base64
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from rest_framework.test import APIClient

from fixtures.demo import ORGANIZATIONS, plan_records
from hub.registry.models import Beneficiary, PartnerRecord

pytestmark = pytest.mark.django_db

COUNTED = [
    "registry.Organization",
    "registry.Membership",
    "registry.PartnerClient",
    "registry.PartnerRecord",
    "registry.Beneficiary",
    "registry.Household",
    "registry.HouseholdMember",
    "consent.AccessLog",
    "outbox.Event",
    "auth.User",
    "auth.Group",
    "oauth2_provider.Application",
    "exchanges.PortalSubmission",
    "consent.PortalConsent",
]


def counts():
    return {label: apps.get_model(label).objects.count() for label in COUNTED}


def assert_every_screen_has_something():
    from consent.models import Grant
    from exchanges.models import Case, OverlapAlert, Referral
    from hub.registry.models import ReviewItem

    assert set(Grant.objects.values_list("basis", flat=True)) == {
        "consent",
        "public_interest",
        "shared_secret",
        "vital_interest",
        "legal_obligation",
        "child_protection",
    }
    assert OverlapAlert.objects.exists() and Case.objects.filter(status="open").exists()
    assert set(Referral.objects.values_list("status", flat=True)) >= {"sent", "accepted"}
    assert ReviewItem.objects.exists()
    from exchanges.models import PortalSubmission

    queue = PortalSubmission.objects.filter(status="pending")
    assert set(queue.values_list("organization__name", "kind")) == {
        ("CCAS de Villeurbanne", "help"),
        ("Épicerie solidaire de Villeurbanne", "help"),
        ("Ville de Villeurbanne", "crisis_registration"),
    }


def assert_the_workplace_shows_the_demo():
    """The town's coordinator sees the alerts and referrals of the partners serving the town;
    the CCAS's agent opens a person's page with its sections."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from exchanges.models import Case

    coordinator = Client()
    coordinator.force_login(get_user_model().objects.get(username="coord.ville"))
    for url in ("/admin/exchanges/overlapalert/", "/admin/exchanges/referral/"):
        response = coordinator.get(url)
        assert response.status_code == 200
        assert response.context["cl"].result_count > 0, url
    agent = Client()
    agent.force_login(get_user_model().objects.get(username="agent.ccas"))
    case = Case.objects.filter(organization__name="CCAS de Villeurbanne").first()
    page = agent.get(f"/admin/registry/beneficiary/{case.beneficiary_id}/change/")
    assert page.status_code == 200
    assert "Accompagnements" in page.content.decode()


def test_load_demo_twice_changes_nothing_and_demo_client_gets_a_token():
    first_out = StringIO()
    call_command("load_demo", stdout=first_out)
    after_first = counts()
    records = dict(PartnerRecord.objects.values_list("external_id", "version"))
    call_command("load_demo", stdout=StringIO())
    assert counts() == after_first
    assert dict(PartnerRecord.objects.values_list("external_id", "version")) == records

    assert_every_screen_has_something()
    assert_the_workplace_shows_the_demo()
    duplicates = 3  # the CCAS's "-BIS" records that fill its review queue (demo_exchanges)
    assert after_first["registry.PartnerRecord"] == len(plan_records()) + duplicates
    assert 300 <= after_first["registry.PartnerRecord"] <= 400
    assert Beneficiary.objects.count() >= 250
    output = first_out.getvalue()
    ccas = next(spec for spec in ORGANIZATIONS if spec.key == "ccas")
    assert ccas.client_id in output and ccas.client_secret in output
    assert "admin" in output

    basic = base64.b64encode(f"{ccas.client_id}:{ccas.client_secret}".encode()).decode()
    token = APIClient().post(
        "/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert token.status_code == 200, token.content
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}")
    listing = api.get("/api/v1/records")
    assert listing.status_code == 200
    assert listing.json()["results"]


def test_demo_plan_has_persons_known_to_several_partners_with_variations():
    plan = plan_records()
    by_person = {}
    for key, _external_id, payload, index in plan:
        by_person.setdefault(index, []).append((key, payload))
    shared = [rows for rows in by_person.values() if len(rows) > 1]
    assert 0.10 <= len(shared) / len(by_person) <= 0.22
    assert all(len({key for key, _p in rows}) == len(rows) <= 3 for rows in shared)
    assert any(rows[0][1] != rows[1][1] for rows in shared)
    names = " ".join(p["birth_name"] + " " + p["first_names"] for _k, _e, p, _i in plan)
    assert any(char in names for char in "éèïë")
    assert "-" in names and "'" in names


def test_demo_plan_is_deterministic():
    assert plan_records() == plan_records()
