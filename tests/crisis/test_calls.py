"""Activations, the call list and the call steps (retries, emergency contact, visit, the 15)."""

from __future__ import annotations

import pytest

from crisis import callers, calls, plans, steps
from crisis.errors import CrisisError
from crisis.models import Call, CallAttempt
from hub.outbox.models import Event
from hub.registry.actors import Actor
from tests.crisis.conftest import listed, make_caller, person_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(register_one):
    alone = register_one(lives_alone=True, home_care_service="")
    cared = register_one(
        person=person_body(birth_name="Girard", first_names="Henri", birth_date="1940-01-02"),
        lives_alone=False,
        home_care_service="SSIAD Villeurbanne",
    )
    middle = register_one(
        person=person_body(birth_name="Roux", first_names="Yvette", birth_date="1950-07-08"),
        lives_alone=False,
        category="disability",
        emergency_contact={"name": "Marc Roux", "phone": "0611223344", "relation": "fils"},
    )
    return alone, middle, cared


def test_activation_emits_events_and_builds_the_call_list_in_priority_order(
    three, agent_actor, activate
):
    alone, middle, cared = three
    activation = activate()
    event = Event.objects.get(type="crisis.activated")
    assert event.data["activation"] == str(activation.pk) and "reason" not in event.data
    entries = listed(activation)
    assert [(c.registration_id, c.rank) for c in entries] == [
        (alone.pk, 0),
        (middle.pk, 1),
        (cared.pk, 2),
    ]
    assert [c.priority for c in entries] == sorted((c.priority for c in entries), reverse=True)
    assert calls.build_call_list(activation_id=activation.pk) == 0  # safe to run twice
    assert len(listed(activation)) == 3 and not activation.calls.exists()  # nothing written yet
    plans.close(actor=agent_actor, activation_id=activation.pk, reason="Fin de vigilance")
    assert Event.objects.filter(type="crisis.closed").count() == 1


def test_the_same_plan_cannot_be_triggered_twice(agent_actor):
    plans.activate(actor=agent_actor, plan="cold", level="alert", reason="Grand froid")
    with pytest.raises(CrisisError) as error:
        plans.activate(actor=agent_actor, plan="cold", level="emergency", reason="Encore")
    assert error.value.status == 409


def test_activation_needs_a_reason_and_known_codes(agent_actor):
    with pytest.raises(CrisisError) as error:
        plans.activate(actor=agent_actor, plan="flood", level="red", reason=" ")
    assert {e["field"] for e in error.value.errors} == {"plan", "level", "reason"}


def test_retries_then_emergency_contact_then_visit_then_the_15(
    three, agent_actor, settings, activate
):
    settings.CRISIS_RETRY_MINUTES = 0
    _alone, middle, _cared = three
    activation = activate()
    call = next(c for c in listed(activation) if c.registration_id == middle.pk)
    for _ in range(settings.CRISIS_MAX_ATTEMPTS):
        calls.claim(actor=agent_actor, call_id=call.pk)
        call = calls.record_outcome(actor=agent_actor, call_id=call.pk, outcome="no_answer")
    assert call.step == "contact" and call.status == "pending"
    call = calls.record_outcome(actor=agent_actor, call_id=call.pk, outcome="contact_no_answer")
    assert call.step == "visit"
    call = calls.record_outcome(actor=agent_actor, call_id=call.pk, outcome="visit_nobody")
    assert call.step == "escalation"
    assert Event.objects.filter(type="crisis.call_escalated").exists()
    call = calls.record_outcome(actor=agent_actor, call_id=call.pk, outcome="escalated")
    assert call.status == "escalated"
    log = list(CallAttempt.objects.filter(call=call).values_list("step", "outcome", "by_label"))
    assert [s for s, _o, _b in log] == ["call"] * 4 + ["contact", "visit", "escalation"]
    assert all(b == agent_actor.label for _s, _o, b in log)
    middle.refresh_from_db()
    assert middle.attention == 10  # called earlier next time


def test_an_outcome_of_another_step_is_refused(three, agent_actor, activate):
    activation = activate()
    call = listed(activation)[0]
    with pytest.raises(CrisisError) as error:
        calls.record_outcome(actor=agent_actor, call_id=call.pk, outcome="visit_ok")
    assert error.value.errors[0]["field"] == "outcome"
    with pytest.raises(CrisisError) as error:
        calls.record_outcome(actor=agent_actor, call_id=call.pk, outcome="need")
    assert error.value.errors[0]["field"] == "need_action"
    assert not Call.objects.exists()  # the entry's row was not written by the refused outcome


def test_no_two_callers_on_one_person_and_claims_expire(
    three, agent_actor, commune, settings, activate
):
    activation = activate()
    ann, bob = make_caller(commune.organization), make_caller(commune.organization)
    for user in (ann, bob):
        calls.add_caller(actor=agent_actor, activation_id=activation.pk, user=user)
    a, b = Actor.for_user(ann), Actor.for_user(bob)
    first = calls.next_call(actor=a, activation_id=activation.pk)
    second = calls.next_call(actor=b, activation_id=activation.pk)
    assert first.pk != second.pk
    assert calls.next_call(actor=a, activation_id=activation.pk).pk == first.pk  # resumes
    with pytest.raises(CrisisError):
        calls.claim(actor=b, call_id=first.pk)
    with pytest.raises(CrisisError):
        calls.record_outcome(actor=b, call_id=first.pk, outcome="reached")
    # Ann leaves: her claim expires and Bob may take the person.
    activation.calls.filter(pk=first.pk).update(claim_expires_at="2000-01-01T00:00:00Z")
    assert calls.claim(actor=b, call_id=first.pk).claim_holder == b.label


def test_a_volunteer_sees_only_the_calls_of_campaigns_assigned_to_them(
    three, agent_actor, commune, activate
):
    activation = activate()
    stranger = Actor.for_user(make_caller(commune.organization))
    from crisis.errors import NotFound

    with pytest.raises(NotFound):
        calls.next_call(actor=stranger, activation_id=activation.pk)
    assert not callers.activations_for_caller(stranger).exists()


def test_removed_person_is_not_called(three, agent_actor, activate):
    from crisis import register

    alone, _middle, _cared = three
    activation = activate()
    register.end_registration(actor=agent_actor, registration_id=alone.pk, reason="death")
    assert activation.calls.get(registration=alone).status == "closed"


def test_campaign_stats_count_reached_pending_escalated(three, agent_actor, activate):
    activation = activate()
    first = calls.next_call(actor=agent_actor, activation_id=activation.pk)
    calls.record_outcome(actor=agent_actor, call_id=first.pk, outcome="reached")
    stats = calls.campaign_stats(activation)
    assert (stats["total"], stats["reached"], stats["pending"], stats["escalated"]) == (3, 1, 2, 0)


def test_retry_rules_stop_at_the_window():
    import datetime as dt

    now = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
    rules = steps.Rules(max_attempts=4, window=dt.timedelta(hours=48), retry=dt.timedelta(hours=1))
    kept = steps.after(
        step="call",
        attempts=1,
        first_attempt_at=now,
        outcome="no_answer",
        has_contact=True,
        now=now,
        rules=rules,
    )
    assert (kept.step, kept.attempts, kept.next_attempt_at) == (
        "call",
        2,
        now + dt.timedelta(hours=1),
    )
    late = steps.after(
        step="call",
        attempts=1,
        first_attempt_at=now - dt.timedelta(hours=48),
        outcome="no_answer",
        has_contact=False,
        now=now,
        rules=rules,
    )
    assert late.step == "visit"
