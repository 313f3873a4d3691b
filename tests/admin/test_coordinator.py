"""Coordinators see the overlap alerts and referrals of the organizations of their territory
(by the INSEE codes served), with referral age and an overdue flag, and handle alerts with an
outcome, audited (access-log row and event)."""

import datetime as dt
import html

import pytest
from django.test import Client
from django.utils import timezone

from consent.models import AccessLog
from exchanges.cases import open_case
from exchanges.models import OverlapAlert, Referral
from exchanges.referrals import send_referral
from hub.outbox.models import Event
from hub.registry.models import Role
from tests.admin import workplace_world as ww

pytestmark = pytest.mark.django_db

ALERTS = "/admin/exchanges/overlapalert/"
REFERRALS = "/admin/exchanges/referral/"


@pytest.fixture
def world():
    world = ww.build()
    open_case(actor=world.actor(world.a), beneficiary_id=world.person, type="food_aid")
    open_case(actor=world.actor(world.b), beneficiary_id=world.person, type="food_aid")
    referral = send_referral(
        actor=world.actor(world.a),
        beneficiary_id=world.person,
        receiver_id=world.b.organization.pk,
        case_type="emergency_shelter",
        message="Hébergement",
    )
    Referral.objects.filter(pk=referral.pk).update(sent_at=timezone.now() - dt.timedelta(days=9))
    return world


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["cl"].result_count


def test_coordinator_of_the_town_sees_the_alerts_and_referrals_of_its_territory(world):
    coordinator = login(world.users["coord"])
    assert OverlapAlert.objects.count() == 2
    assert listed(coordinator, ALERTS) == 2
    assert listed(coordinator, REFERRALS) == 1
    # the partners see their own
    assert listed(login(world.users["a"]), ALERTS) == 1
    assert listed(login(world.users["b"]), REFERRALS) == 1


def test_coordinator_of_another_commune_sees_nothing_of_it(world):
    other = ww.Partner("Ville Ailleurs", kind="commune")
    ww.serve(other, "13055")
    coordinator = login(ww.staff(other, "coord.ailleurs", Role.COORDINATOR))
    assert listed(coordinator, ALERTS) == 0
    assert listed(coordinator, REFERRALS) == 0


def test_an_agent_of_the_town_is_no_coordinator(world):
    agent = login(ww.staff(world.v, "agent.v"))
    assert listed(agent, ALERTS) == 0
    assert listed(agent, REFERRALS) == 0


def test_referral_age_and_overdue_flag(world, settings):
    settings.REFERRAL_OVERDUE_DAYS = 7
    coordinator = login(world.users["coord"])
    response = coordinator.get(REFERRALS)
    text = html.unescape(response.content.decode())
    assert "9 jour(s)" in text
    assert 'alt="True"' in text  # the overdue icon
    assert listed(coordinator, f"{REFERRALS}?en_retard=oui") == 1
    settings.REFERRAL_OVERDUE_DAYS = 10
    assert listed(coordinator, f"{REFERRALS}?en_retard=oui") == 0


def test_coordinator_handles_an_alert_with_an_outcome_audited(world):
    alert = OverlapAlert.objects.get(organization=world.a.organization)
    coordinator = login(world.users["coord"])
    url = f"{ALERTS}{alert.pk}/traiter/"
    page = html.unescape(coordinator.get(f"{ALERTS}{alert.pk}/change/").content.decode())
    assert 'data-action="handle-alert"' in page
    response = coordinator.post(url, {"outcome": ""})
    assert response.status_code == 200
    assert "Décrivez la suite donnée à l'alerte." in html.unescape(response.content.decode())
    alert.refresh_from_db()
    assert alert.handled_at is None
    before = AccessLog.objects.filter(resource="overlap_alert", action="write").count()
    response = coordinator.post(url, {"outcome": "Appel à l'épicerie : l'aide reste au CCAS"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.handled_by == world.users["coord"]
    assert alert.handling_outcome == "Appel à l'épicerie : l'aide reste au CCAS"
    assert alert.handled_at is not None
    row = AccessLog.objects.filter(resource="overlap_alert", action="write").order_by("-id")[0]
    assert AccessLog.objects.filter(resource="overlap_alert", action="write").count() == before + 1
    assert row.basis == "territory_coordination"
    assert row.beneficiary_id == world.person
    assert Event.objects.filter(type="case.overlap_handled", subject_id=alert.pk).count() == 1
    # handled once: the page offers no more handling, a second POST is refused
    again = coordinator.post(url, {"outcome": "encore"})
    assert again.status_code == 403
    assert Event.objects.filter(type="case.overlap_handled", subject_id=alert.pk).count() == 1
    shown = html.unescape(coordinator.get(f"{ALERTS}{alert.pk}/change/").content.decode())
    assert "Traitée le" in shown
    assert "coord.v" in shown


def test_stranger_cannot_handle_an_alert(world):
    alert = OverlapAlert.objects.get(organization=world.a.organization)
    response = login(world.users["c"]).post(f"{ALERTS}{alert.pk}/traiter/", {"outcome": "x"})
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]
    alert.refresh_from_db()
    assert alert.handled_at is None
