"""The call list as a snapshot, its calls written when first claimed: it behaves like a list of
written calls (order, ranks, one caller per person, retries, counts, the register changing
during the plan), with no row written before someone takes, records or removes an entry."""

from __future__ import annotations

import uuid

import pytest

from crisis import call_entries, call_list, calls, plans, register, tasks
from crisis.errors import CrisisError
from crisis.models import Activation, Call
from hub.registry.actors import Actor
from tests.crisis.conftest import listed, make_caller, person_body

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


def _callers(agent_actor, commune, activation, count=2):
    users = [make_caller(commune.organization) for _ in range(count)]
    for user in users:
        calls.add_caller(actor=agent_actor, activation_id=activation.pk, user=user)
    return [Actor.for_user(user) for user in users]


def test_call_ids_carry_the_list_and_the_rank():
    key, rank = (1 << 60) - 3, 99_999
    value = call_list.call_id(key, rank)
    assert value.version == 8 and call_list.parse_call_id(value) == (key, rank)
    assert call_list.parse_call_id(uuid.uuid4()) is None


def test_the_whole_list_exists_ranked_before_any_call_is_written(four, agent_actor, activate):
    activation = activate()
    entries = listed(activation)
    assert [(c.registration_id, c.rank, c.priority) for c in entries] == [
        (four[0].pk, 0, 70),
        (four[1].pk, 1, 45),
        (four[2].pk, 2, 35),
        (four[3].pk, 3, 5),
    ]
    assert not Call.objects.exists()
    assert {c.status for c in entries} == {"pending"}
    stats = calls.campaign_stats(activation)
    assert (stats["total"], stats["pending"], stats["by_step"]) == (4, 4, {"call": 4})
    assert calls.build_call_list(activation_id=activation.pk) == 0  # safe to run twice


def test_callers_take_entries_in_order_each_written_once_with_its_listed_id(
    four, agent_actor, commune, activate
):
    activation = activate()
    ids = [c.pk for c in listed(activation)]
    ann, bob = _callers(agent_actor, commune, activation)
    first = calls.next_call(actor=ann, activation_id=activation.pk)
    second = calls.next_call(actor=bob, activation_id=activation.pk)
    assert [(c.rank, c.pk, c.claim_holder) for c in (first, second)] == [
        (0, ids[0], ann.label),
        (1, ids[1], bob.label),
    ]
    assert calls.next_call(actor=ann, activation_id=activation.pk).pk == first.pk  # resumes
    assert Call.objects.count() == 2 and first.assigned_to_id == ann.user_id
    with pytest.raises(CrisisError):
        calls.claim(actor=bob, call_id=first.pk)
    assert [c.pk for c in listed(activation)] == ids  # same list, written or not


def test_a_due_retry_comes_before_less_urgent_entries(
    four, agent_actor, commune, settings, activate
):
    settings.CRISIS_RETRY_MINUTES = 0
    activation = activate()
    (ann,) = _callers(agent_actor, commune, activation, count=1)
    first = calls.next_call(actor=ann, activation_id=activation.pk)
    calls.record_outcome(actor=ann, call_id=first.pk, outcome="reached")
    second = calls.next_call(actor=ann, activation_id=activation.pk)
    assert second.rank == 1
    calls.record_outcome(actor=ann, call_id=second.pk, outcome="no_answer")
    again = calls.next_call(actor=ann, activation_id=activation.pk)
    assert (again.pk, again.attempts) == (second.pk, 1)  # priority 45 before the next (35)
    calls.record_outcome(actor=ann, call_id=again.pk, outcome="reached")
    ranks = []
    while (call := calls.next_call(actor=ann, activation_id=activation.pk)) is not None:
        ranks.append(call.rank)
        calls.record_outcome(actor=ann, call_id=call.pk, outcome="reached")
    assert ranks == [2, 3]
    stats = calls.campaign_stats(activation)
    assert (stats["total"], stats["reached"], stats["pending"]) == (4, 4, 0)


def test_a_later_retry_waits_behind_more_urgent_entries(
    four, agent_actor, commune, settings, activate
):
    settings.CRISIS_RETRY_MINUTES = 0
    activation = activate()
    (ann,) = _callers(agent_actor, commune, activation, count=1)
    last = listed(activation)[3]  # priority 5, taken out of order by id
    calls.claim(actor=ann, call_id=last.pk)
    calls.record_outcome(actor=ann, call_id=last.pk, outcome="no_answer")
    taken = calls.next_call(actor=ann, activation_id=activation.pk)
    assert taken.rank == 0  # the retry (priority 5) does not pass the entries before it


def test_an_outcome_by_id_writes_an_entry_out_of_order_and_callers_skip_it(
    four, commune, agent_actor, activate
):
    activation = activate()
    api = commune.api()
    listed_ids = [
        c["id"]
        for c in api.get(f"/api/v1/crisis/activations/{activation.pk}/calls").json()["results"]
    ]
    assert listed_ids == [str(c.pk) for c in listed(activation)]
    response = api.post(
        f"/api/v1/crisis/calls/{listed_ids[1]}/outcome", {"outcome": "reached"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "reached"
    assert list(Call.objects.values_list("pk", "rank")) == [(uuid.UUID(listed_ids[1]), 1)]
    ann, bob = _callers(agent_actor, commune, activation)
    taken = []
    for actor in (ann, bob, ann, bob):
        call = calls.next_call(actor=actor, activation_id=activation.pk)
        if call is not None:
            taken.append(call.rank)
            calls.record_outcome(actor=actor, call_id=call.pk, outcome="reached")
    assert taken == [0, 2, 3]


def test_removal_during_the_plan_closes_the_entry_and_nobody_calls_it(
    four, agent_actor, commune, activate
):
    activation = activate()
    register.end_registration(actor=agent_actor, registration_id=four[1].pk, reason="death")
    (removed,) = Call.objects.all()
    assert (removed.registration_id, removed.rank, removed.status) == (four[1].pk, 1, "closed")
    stats = calls.campaign_stats(activation)
    assert (stats["total"], stats["pending"], stats["closed"]) == (4, 3, 1)
    (ann,) = _callers(agent_actor, commune, activation, count=1)
    ranks = []
    while (call := calls.next_call(actor=ann, activation_id=activation.pk)) is not None:
        ranks.append(call.rank)
        calls.record_outcome(actor=ann, call_id=call.pk, outcome="reached")
    assert ranks == [0, 2, 3]


def test_a_person_registered_during_the_plan_joins_the_list(
    four, agent_actor, commune, register_one, activate
):
    activation = activate()
    late = register_one(
        person=person_body(birth_name="Blanc", first_names="Rose", birth_date="1930-02-02"),
        lives_alone=True,
        category="disability",
    )  # priority 75: before everyone
    entries = listed(activation)
    assert [(c.registration_id, c.rank) for c in entries][-1] == (late.pk, 4)
    assert calls.campaign_stats(activation)["total"] == 5
    (ann,) = _callers(agent_actor, commune, activation, count=1)
    assert calls.next_call(actor=ann, activation_id=activation.pk).registration_id == late.pk
    pending = register_one(
        person=person_body(birth_name="Noir", first_names="Léa", birth_date="1931-03-03"),
        requested_by="third_party",
        third_party={"name": "Sa fille"},
    )
    assert calls.campaign_stats(activation)["total"] == 5  # a pending request is not called
    register.acknowledge_request(actor=agent_actor, registration_id=pending.pk)
    assert listed(activation)[-1].registration_id == pending.pk


def test_a_caller_before_the_build_writes_the_list_and_the_sweep_does_too(
    four, agent_actor, commune
):
    activation = _triggered(agent_actor)
    stats = calls.campaign_stats(activation)
    assert (stats["total"], stats["pending"]) == (4, 4)  # counted while the build is queued
    (ann,) = _callers(agent_actor, commune, activation, count=1)
    assert calls.next_call(actor=ann, activation_id=activation.pk).rank == 0
    other = plans.activate(actor=agent_actor, plan="cold", level="alert", reason="Grand froid")
    assert tasks.sweep_activations() == 1  # eager in tests: the list is written now
    other.refresh_from_db()
    assert other.calls_built_at is not None and len(listed(other)) == 4
    assert tasks.sweep_activations() == 0


def test_closing_the_plan_leaves_the_entries_pending_and_claims_refused(
    four, agent_actor, activate
):
    activation = activate()
    entry = listed(activation)[0]
    plans.close(actor=agent_actor, activation_id=activation.pk, reason="Fin de vigilance")
    activation.refresh_from_db()
    with pytest.raises(CrisisError) as error:
        calls.claim(actor=agent_actor, call_id=entry.pk)
    assert error.value.status == 409
    with pytest.raises(CrisisError):
        calls.record_outcome(actor=agent_actor, call_id=entry.pk, outcome="reached")
    assert calls.next_call(actor=agent_actor, activation_id=activation.pk) is None
    assert not Call.objects.exists()
    assert calls.campaign_stats(activation)["pending"] == 4


def test_the_api_pages_the_list_by_rank_across_written_and_unwritten_calls(
    four, commune, agent_actor, activate
):
    activation = activate()
    calls.next_call(actor=agent_actor, activation_id=activation.pk)  # rank 0 written
    api = commune.api()
    url = f"/api/v1/crisis/activations/{activation.pk}/calls"
    seen, page = [], api.get(url, {"limit": 3}).json()
    seen += page["results"]
    page = api.get(page["next"]).json()
    seen += page["results"]
    assert page["next"] is None
    assert [c["rank"] for c in seen] == [0, 1, 2, 3]
    assert [c["claimed"] for c in seen] == [True, False, False, False]
    assert all(c["person"]["name"] for c in seen)
    for cursor in ("cD1hYmM=", "cD0tMQ==", "cD05OTk5OTk5OTk5OTk5"):  # p=abc, p=-1, p=9999…
        bad = api.get(url, {"cursor": cursor})
        assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "cursor"
    assert entry_ids_are_stable(activation, [c["id"] for c in seen])


def entry_ids_are_stable(activation, ids) -> bool:
    return ids == [str(c.pk) for c in call_entries.page(activation, 0, 10)]


def test_a_list_half_written_call_by_call_before_this_design_is_completed(
    four, agent_actor, register_one
):
    activation = _triggered(agent_actor)
    for rank, entry in enumerate(four[:2]):  # as the former slices wrote them
        Call.objects.create(activation=activation, registration=entry, priority=0, rank=rank)
    assert calls.build_call_list(activation_id=activation.pk) == 2
    assert [(c.registration_id, c.rank) for c in Call.objects.order_by("rank")] == [
        (entry.pk, rank) for rank, entry in enumerate(four)
    ]
    late = register_one(
        person=person_body(birth_name="Blanc", first_names="Rose", birth_date="1930-02-02")
    )
    assert [(c.registration_id, c.rank) for c in listed(activation)][-1] == (late.pk, 4)
    assert calls.campaign_stats(activation)["total"] == 5
