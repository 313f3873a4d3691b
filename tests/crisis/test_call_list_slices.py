"""The call list written in slices, most urgent first: the order holds across slices, callers
start before the last slice, and an unfinished list is completed (by a caller or the sweep)."""

from __future__ import annotations

import pytest

from crisis import call_list, calls, plans, tasks
from crisis.models import Activation
from hub.registry.actors import Actor
from tests.crisis.conftest import make_caller, person_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def four(register_one):
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
    )
    alone_cared = register_one(
        person=person_body(birth_name="Petit", first_names="Jean", birth_date="1945-03-04"),
        lives_alone=True,
        home_care_service="SAAD Lyon",
    )
    return [alone, alone_cared, middle, cared]  # priority order: 70, 45, 35, 5


def _triggered(agent_actor) -> Activation:
    """An activation whose queued build has not run (its on-commit callback is dropped)."""
    return plans.activate(actor=agent_actor, plan="heatwave", level="alert", reason="Canicule")


def test_slices_keep_the_priority_order_and_the_ranks(four, agent_actor, settings):
    settings.CRISIS_CALL_LIST_FIRST = 1
    settings.CRISIS_CALL_LIST_CHUNK = 2
    activation = _triggered(agent_actor)
    assert call_list.complete_call_list(activation_id=activation.pk) == 4
    rows = list(activation.calls.order_by("rank").values_list("registration_id", "rank"))
    assert rows == [(entry.pk, rank) for rank, entry in enumerate(four)]
    activation.refresh_from_db()
    assert activation.calls_built_at is not None
    assert call_list.complete_call_list(activation_id=activation.pk) == 0  # safe to run twice


def test_a_first_slice_leaves_the_list_open_and_the_stats_count_everyone(
    four, agent_actor, settings
):
    activation = _triggered(agent_actor)
    assert call_list.build_call_list(activation_id=activation.pk, limit=2) == 2
    activation.refresh_from_db()
    assert activation.calls_built_at is None
    assert set(activation.calls.values_list("registration_id", flat=True)) == {
        four[0].pk,
        four[1].pk,
    }
    stats = calls.campaign_stats(activation)
    assert (stats["total"], stats["pending"], stats["by_step"]) == (4, 4, {"call": 4})


def test_a_caller_who_runs_out_writes_the_next_slice(four, agent_actor, commune, settings):
    settings.CRISIS_CALL_LIST_FIRST = 1
    activation = _triggered(agent_actor)
    call_list.build_call_list(activation_id=activation.pk, limit=1)
    ann, bob = make_caller(commune.organization), make_caller(commune.organization)
    for user in (ann, bob):
        calls.add_caller(actor=agent_actor, activation_id=activation.pk, user=user)
    first = calls.next_call(actor=Actor.for_user(ann), activation_id=activation.pk)
    second = calls.next_call(actor=Actor.for_user(bob), activation_id=activation.pk)
    assert (first.registration_id, second.registration_id) == (four[0].pk, four[1].pk)
    assert second.rank == 1


def test_the_sweep_completes_an_unfinished_list(four, agent_actor, settings):
    activation = _triggered(agent_actor)
    call_list.build_call_list(activation_id=activation.pk, limit=1)
    assert tasks.sweep_activations() == 1  # eager in tests: the rest is written now
    activation.refresh_from_db()
    assert activation.calls.count() == 4 and activation.calls_built_at is not None
    assert tasks.sweep_activations() == 0
