"""Resources (capacity per day, bookings by a caller) and alerts (throttled, opt-out, recorded)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from crisis import alerts, calls, resources
from crisis.errors import CrisisError
from crisis.models import Notification, Resource
from hub import sms
from tests.crisis.conftest import listed, make_caller, person_body

pytestmark = pytest.mark.django_db


def test_a_caller_books_a_place_within_capacity(register_one, activate, agent_actor, commune):
    register_one()
    register_one(person=person_body(birth_name="Girard", first_names="Henri", birth_date="1941"))
    activation = activate()
    room = Resource.objects.create(
        organization=commune.organization, kind="cooled_room", name="Salle Raspail", capacity=1
    )
    volunteer = make_caller(commune.organization)
    calls.add_caller(actor=agent_actor, activation_id=activation.pk, user=volunteer)
    from hub.registry.actors import Actor

    actor = Actor.for_user(volunteer)
    first, second = listed(activation)
    today = timezone.localdate()
    resources.book(actor=actor, resource_id=room.pk, call_id=first.pk, day=today)
    with pytest.raises(CrisisError) as error:
        resources.book(actor=actor, resource_id=room.pk, call_id=second.pk, day=today)
    assert error.value.status == 409  # full that day
    resources.book(
        actor=actor, resource_id=room.pk, call_id=second.pk, day=today + dt.timedelta(days=1)
    )
    assert resources.resources_for(actor).get(pk=room.pk).occupied == 1


def test_activation_alerts_persons_and_callers_once_with_opt_out(
    register_one, activate, agent_actor, commune, settings
):
    settings.CRISIS_SMS_BACKEND = "hub.sms.LocmemBackend"
    sms.outbox.clear()
    register_one(person=person_body(email="odette@example.org"))
    quiet = register_one(
        person=person_body(birth_name="Girard", first_names="Henri", birth_date="1941")
    )
    type(quiet).objects.filter(pk=quiet.pk).update(alerts_opt_out=True)
    mail.outbox.clear()
    activation = activate()  # the call list task alerts the registered persons
    assert [to for to, _text in sms.outbox] == ["0478123456"]
    assert [m.to[0] for m in mail.outbox] == ["odette@example.org"]
    assert Notification.objects.filter(registration=quiet, status="opted_out").count() == 2
    volunteer = make_caller(commune.organization)
    calls.add_caller(actor=agent_actor, activation_id=activation.pk, user=volunteer)
    assert alerts.send_activation_alerts(activation_id=activation.pk) == 1  # the new caller
    assert mail.outbox[-1].to == [volunteer.email] and len(sms.outbox) == 1
    assert "canicule" in sms.outbox[0][1] and "Lefèvre" not in sms.outbox[0][1]
    assert alerts.send_activation_alerts(activation_id=activation.pk) == 0  # safe to run twice
    # Another plan the same day: throttled.
    cold = activate(plan="cold", reason="Grand froid")
    sms.outbox.clear()
    alerts.send_activation_alerts(activation_id=cold.pk)
    assert sms.outbox == []
    assert Notification.objects.filter(activation=cold, status="throttled").exists()


def test_the_default_sms_backend_writes_a_file(settings, tmp_path):
    settings.CRISIS_SMS_FILE = tmp_path / "sms.log"
    sms.FileBackend().send_messages([("0600000000", "Test")])
    assert "0600000000\tTest" in settings.CRISIS_SMS_FILE.read_text()
