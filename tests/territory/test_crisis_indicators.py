"""The observatory's crisis indicators from the crisis app's own services (not from hand-made
events): persons registered, the share reached among those called, escalations; the events
name the register's entry and its commune, never the golden record, and stay in the commune's
feed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from crisis import calls, plans, register
from exchanges import feed
from hub.outbox.models import Event
from hub.registry.actors import Actor
from territory import refresh, selectors
from territory.catalogue import BY_CODE
from tests.conftest import Partner
from tests.crisis.conftest import CRISIS_SCOPES, make_caller, person_body, staff_user
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
VILLEURBANNE = "69266"


def values(code: str, period: str) -> dict:
    table = selectors.table(BY_CODE[code], level="commune", periods=[period], breakdown="")
    return {c["zone"]: c["value"] for c in table.cells}


def test_registrations_outcomes_and_escalations_reach_the_observatory(
    settings, django_capture_on_commit_callbacks
):
    settings.TERRITORY_THRESHOLD = 1
    settings.CRISIS_RETRY_MINUTES = 60  # the unanswered call waits: the caller takes the next
    commune = Partner("Ville de Villeurbanne", kind="commune", scopes=CRISIS_SCOPES)
    org = commune.organization
    org.insee_codes = [VILLEURBANNE]  # the register of Villeurbanne
    org.save(update_fields=["insee_codes"])
    agent = MembershipFactory(organization=org, role="crisis_agent", user=staff_user()).user
    actor = Actor.for_user(agent)
    register.register_person(
        actor=actor, person=person_body(), category="age_65", requested_by="self"
    )
    register.register_person(
        actor=actor,
        person=person_body(birth_name="Girard", first_names="Henri", birth_date="1940-01-02"),
        category="age_65",
        requested_by="self",
        lives_alone=True,
    )
    register.register_person(  # a third party's request: pending, not on the register yet
        actor=actor,
        person=person_body(birth_name="Roux", first_names="Yvette", birth_date="1950-07-08"),
        category="disability",
        requested_by="third_party",
        third_party={"name": "Jeanne Martin", "relationship": "voisine"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        activation = plans.activate(actor=actor, plan="heatwave", level="alert", reason="Canicule")
    volunteer = make_caller(org)
    calls.add_caller(actor=actor, activation_id=activation.pk, user=volunteer)
    caller = Actor.for_user(volunteer)
    first = calls.next_call(actor=caller, activation_id=activation.pk)  # will not answer
    calls.record_outcome(actor=caller, call_id=first.pk, outcome="no_answer")
    second = calls.next_call(actor=caller, activation_id=activation.pk)
    assert second.registration_id != first.registration_id
    calls.record_outcome(actor=caller, call_id=second.pk, outcome="reached")
    settings.CRISIS_RETRY_MINUTES = 0  # the agent goes on with the first one at once
    for outcome in ["no_answer"] * (settings.CRISIS_MAX_ATTEMPTS - 1) + [
        "visit_nobody",
        "escalated",
    ]:
        calls.record_outcome(actor=actor, call_id=first.pk, outcome=outcome)

    refresh.rebuild()
    month = timezone.localdate().strftime("%Y-%m")
    assert values("crisis_registered", month)[VILLEURBANNE] == 2  # the pending one is not
    assert values("crisis_reached_share", month)[VILLEURBANNE] == 50.0
    assert values("crisis_escalations", month)[VILLEURBANNE] == 1

    commune_actor = Actor.for_client(commune.onboarded.client)
    # What the commune's feed and webhooks let through (the feed's own watermark waits for the
    # commit, which a test transaction never makes on PostgreSQL).
    seen = {e.type for e in feed.visible_events(commune_actor, list(Event.objects.all()))}
    assert {"crisis.registered", "crisis.call_recorded", "crisis.call_escalated"} <= seen
    crisis_events = Event.objects.filter(type__startswith="crisis.").exclude(
        type="crisis.activated"
    )
    assert not crisis_events.filter(beneficiary_id__isnull=False).exists()  # no golden record
    assert {e.data["commune"] for e in crisis_events} == {VILLEURBANNE}
