"""Fifty callers at once on PostgreSQL: no lost update, never two callers on one person, while
every call of the list is written by the caller who first takes it."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.db.models import Count

from crisis import calls, plans
from crisis.models import Call, CallAttempt, Registration
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary
from tests.crisis.conftest import make_caller

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CALLERS = 50
PERSONS = 300


def _fill_register(organization) -> None:
    beneficiaries = Beneficiary.objects.bulk_create(Beneficiary() for _ in range(PERSONS))
    Registration.objects.bulk_create(
        Registration(
            organization=organization,
            beneficiary=beneficiary,
            status="active",
            category="age_65",
            requested_by="self",
            person={"birth_name": f"P{index}", "first_names": "X", "birth_date": "1940"},
            lives_alone=index % 3 == 0,
            requested_at="2026-06-01T10:00:00Z",
        )
        for index, beneficiary in enumerate(beneficiaries)
    )


def test_fifty_callers_lose_no_update_and_never_share_a_person(commune, agent_actor, settings):
    settings.CRISIS_RETRY_MINUTES = 0
    _fill_register(commune.organization)
    activation = plans.activate(actor=agent_actor, plan="heatwave", level="alert", reason="Test")
    calls.build_call_list(activation_id=activation.pk)  # on_commit ran it already; idempotent
    assert not Call.objects.filter(activation=activation).exists()  # written when first taken
    users = [make_caller(commune.organization) for _ in range(CALLERS)]
    for user in users:
        calls.add_caller(actor=agent_actor, activation_id=activation.pk, user=user)
    held: set = set()
    guard = threading.Lock()
    shared: list = []
    errors: list = []
    recorded = Counter()
    start = threading.Barrier(CALLERS)

    def work(user):
        actor = Actor.for_user(user)
        try:
            start.wait()
            while True:
                call = calls.next_call(actor=actor, activation_id=activation.pk)
                if call is None:
                    break
                with guard:
                    if call.registration_id in held:
                        shared.append(call.registration_id)
                    held.add(call.registration_id)
                # Every other person answers only at the second attempt.
                outcome = "no_answer" if call.rank % 2 and call.total_attempts == 0 else "reached"
                with guard:
                    held.discard(call.registration_id)
                calls.record_outcome(actor=actor, call_id=call.pk, outcome=outcome)
                with guard:
                    recorded[call.pk] += 1
        except Exception as exc:  # reported below, with the thread's failure
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors[:3]
    assert not shared
    assert connection.vendor == "postgresql"
    rows = Call.objects.filter(activation=activation)
    assert rows.count() == PERSONS
    assert set(rows.values_list("status", flat=True)) == {"reached"}
    attempts = dict(
        CallAttempt.objects.filter(call__activation=activation)
        .values_list("call_id")
        .annotate(n=Count("id"))
    )
    for call in rows:
        expected = 2 if call.rank % 2 else 1
        assert attempts[call.pk] == call.total_attempts == recorded[call.pk] == expected
        assert call.version == 1 + expected
    # The work was shared: many callers took part.
    assert len(set(CallAttempt.objects.values_list("by_label", flat=True))) > CALLERS // 2
