"""The crisis admin in French: the register for the mayor's agents, the caller's next-call
screen limited to their campaigns, through the same services as the API."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from consent.models import AccessLog
from crisis import calls
from crisis.models import Registration
from hub.registry.roles import ensure_role_groups, sync_user_role_groups
from tests.crisis.conftest import make_caller

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    ensure_role_groups()  # a transactional test before this one may have flushed the groups
    sync_user_role_groups(user)
    client = Client()
    client.force_login(user)
    return client


def test_agent_registers_a_person_through_the_admin_form(agent):
    client = _client(agent)
    response = client.post(
        reverse("admin:crisis_registration_add"),
        {
            "birth_name": "Lefèvre",
            "first_names": "Odette",
            "birth_date": "04/05/1938",
            "address_line": "12 rue Paul Bert",
            "postcode": "69100",
            "city": "Villeurbanne",
            "category": "age_65",
            "requested_by": "third_party",
            "third_party_name": "Jean Lefèvre",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = Registration.objects.get()
    assert entry.status == "pending" and entry.person["birth_date"] == "1938-05-04"
    page = client.get(reverse("admin:crisis_registration_change", args=[entry.pk]))
    assert "Accuser réception" in page.content.decode()
    client.post(reverse("admin:crisis_registration_acknowledge", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.status == "active"
    listing = client.get(reverse("admin:crisis_registration_changelist")).content.decode()
    assert "LEFÈVRE Odette" in listing
    notice = client.get(reverse("admin:crisis_registration_notice", args=[entry.pk]))
    assert "plan d'alerte et d'urgence" in notice.content.decode()
    client.post(reverse("admin:crisis_registration_end", args=[entry.pk]), {"reason": "moved"})
    entry.refresh_from_db()
    assert entry.status == "removed" and entry.person == {}


def test_a_bad_admin_form_names_the_field_in_french(agent):
    client = _client(agent)
    response = client.post(
        reverse("admin:crisis_registration_add"),
        {"birth_name": "X", "first_names": "Y", "birth_date": "demain", "category": "age_65"},
    )
    assert response.status_code == 200
    assert "Saisissez une date valide" in response.content.decode()
    assert not Registration.objects.exists()


def test_a_volunteer_takes_calls_only_of_campaigns_assigned_to_them(
    agent_actor, commune, register_one, activate
):
    register_one()
    activation = activate()
    volunteer = make_caller(commune.organization)
    client = _client(volunteer)
    page = client.get(reverse("admin:crisis_call_next")).content.decode()
    assert "Aucun plan déclenché ne vous a été confié" in page
    # The register itself is not the volunteers'.
    assert client.get(reverse("admin:crisis_registration_changelist")).status_code in (
        302,
        403,
        404,
    )
    calls.add_caller(actor=agent_actor, activation_id=activation.pk, user=volunteer)
    client.post(reverse("admin:crisis_call_next"), {"activation": activation.pk, "action": "take"})
    page = client.get(reverse("admin:crisis_call_next")).content.decode()
    assert "LEFÈVRE Odette" in page and "Pas de réponse" in page
    call = activation.calls.get()
    client.post(
        reverse("admin:crisis_call_next"),
        {"activation": activation.pk, "action": "outcome", "call": call.pk, "outcome": "reached"},
    )
    call.refresh_from_db()
    assert call.status == "reached"
    assert AccessLog.objects.filter(resource="crisis_call", user_id=volunteer.pk).exists()
    campaign = client.get(reverse("admin:crisis_activation_campaign", args=[activation.pk]))
    assert campaign.status_code == 200
    assert 'id="stat-reached">1<' in campaign.content.decode()


def test_a_caller_of_another_commune_sees_nothing(register_one, activate):
    from tests.factories import OrganizationFactory

    register_one()
    activation = activate()
    outsider = make_caller(OrganizationFactory(kind="commune"))
    client = _client(outsider)
    response = client.get(reverse("admin:crisis_activation_campaign", args=[activation.pk]))
    assert response.status_code == 404
    page = client.post(
        reverse("admin:crisis_call_next"), {"activation": activation.pk, "action": "take"}
    )
    assert "Aucun plan déclenché ne vous a été confié" in page.content.decode()
    assert not activation.calls.exists()  # nothing claimed: the entry's row is not even written
