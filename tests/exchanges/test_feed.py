import random
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from exchanges import feed
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from tests.exchanges.conftest import also_known_by, consent_for, person, settle

# Real commits: on PostgreSQL the feed only serves events of transactions that have ended.
pytestmark = pytest.mark.django_db(transaction=True)


def read_all(api, url="/api/v1/events?limit=2"):
    settle()
    seen = []
    for _ in range(100):
        page = api.get(url).json()
        seen.extend(page["results"])
        url = page["next"]
        if not page["has_more"]:
            return seen, url
    raise AssertionError("the feed never ends")


def test_feed_pages_own_events_oldest_first_and_resumes(partner_a):
    for n in range(5):
        person(partner_a, external_id=f"A-{n}")
    api = partner_a.api()
    events, resume = read_all(api)
    assert [e["subject"] for e in events] == [f"A-{n}" for n in range(5)]
    assert {e["type"] for e in events} == {"record.upserted"}
    assert set(events[0]) == {
        "id",
        "type",
        "occurred_at",
        "organization",
        "recipient",
        "beneficiary",
        "subject",
        "data",
    }
    assert "Martin" not in str(events)  # thin events: no personal data
    person(partner_a, external_id="A-5")
    settle()
    later = api.get(resume).json()
    assert [e["subject"] for e in later["results"]] == ["A-5"]


def test_other_partners_events_are_not_in_the_feed(partner_a, partner_b):
    person(partner_a, external_id="A-1")
    person(partner_b, external_id="B-1")
    events, _ = read_all(partner_b.api())
    assert [e["subject"] for e in events] == ["B-1"]


def test_event_about_a_person_the_client_cannot_see_is_skipped(partner_a, partner_b):
    seen_by_b = person(partner_a, external_id="A-1")
    also_known_by(partner_b, seen_by_b)
    unseen = person(partner_a, external_id="A-2")
    with transaction.atomic():
        for beneficiary in (seen_by_b, unseen, seen_by_b):
            emit(
                type="referral.sent",
                organization_id=partner_a.organization.pk,
                recipient_organization_id=partner_b.organization.pk,
                beneficiary_id=beneficiary,
            )
    events, _ = read_all(partner_b.api(), "/api/v1/events?limit=1")
    assert [e["beneficiary"] for e in events] == [seen_by_b, seen_by_b]


def test_expired_cursor_answers_410_with_a_resync_hint(partner_a):
    person(partner_a, external_id="A-1")
    person(partner_a, external_id="A-2")
    api = partner_a.api()
    settle()
    after_first = api.get("/api/v1/events?limit=1").json()["next"]  # A-2 still unread
    caught_up = api.get("/api/v1/events?limit=100").json()["next"]  # nothing unread
    assert feed.prune_events(now=timezone.now() + timedelta(days=365)) == 2
    person(partner_a, external_id="A-3")
    settle()
    gone = api.get(after_first)
    assert gone.status_code == 410
    assert gone["Content-Type"] == "application/problem+json"
    problem = gone.json()
    assert problem["retention_days"] >= 1
    resumed = api.get(problem["resync"]).json()
    assert [e["subject"] for e in resumed["results"]] == ["A-3"]
    # A client that had read everything before the pruning lost nothing: no 410.
    assert [e["subject"] for e in api.get(caught_up).json()["results"]] == ["A-3"]
    assert [e["subject"] for e in api.get("/api/v1/events").json()["results"]] == ["A-3"]


@pytest.mark.parametrize(
    ("query", "field"), [("cursor=!!!", "cursor"), ("cursor=bm90LWEtY3Vyc29y", "cursor")]
)
def test_malformed_cursor_names_the_field(partner_a, query, field):
    response = partner_a.api().get(f"/api/v1/events?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_limit_out_of_range_names_the_field(partner_a):
    response = partner_a.api().get("/api/v1/events?limit=0")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "limit"


def test_feed_needs_the_events_scope(partner_a):
    assert partner_a.api(scope="records:read").get("/api/v1/events").status_code == 403


@pytest.mark.postgres
def test_feed_never_skips_events_committed_late_by_slow_concurrent_writers(organization):
    """Writers hold their transactions open for random times (some very long) while a reader
    pages the feed continuously: every committed event is read exactly once."""
    org_id = organization.pk
    actor = Actor(organization_id=org_id, organization_ids=(org_id,))
    emitted: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(15):
                with transaction.atomic():
                    event = emit(type="test.tick", organization_id=org_id)
                    # Long transactions started early commit after shorter later ones.
                    time.sleep(rng.choice([0, 0, 0.01, 0.05, 0.3]))
                with lock:
                    emitted.append(event.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    read: list[int] = []

    def reader() -> None:
        cursor = None
        try:
            while True:
                done = stop.is_set()
                page = feed.read_page(actor=actor, cursor=cursor, limit=7)
                read.extend(e.id for e in page.events)
                cursor = page.position.encode()
                # Stop once the writers are done and nothing is left, not even events held
                # back by a transaction still open elsewhere on the server.
                if (
                    done
                    and not page.has_more
                    and not page.events
                    and not feed.waiting(page.position)
                ):
                    return
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    writers = [threading.Thread(target=writer, args=(seed,)) for seed in range(8)]
    reading = threading.Thread(target=reader)
    reading.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    reading.join()
    assert not errors, errors
    assert len(emitted) == 8 * 15
    assert len(read) == len(set(read)), "an event was served twice"
    assert sorted(read) == sorted(emitted), f"missed: {sorted(set(emitted) - set(read))}"


def test_withdrawn_consent_hides_the_persons_events_from_the_feed(partner_a, partner_b):
    from consent.grants import withdraw_grant

    beneficiary = person(partner_a)
    grant = consent_for(partner_a, beneficiary, partner_b, ["shelter"], ["identity", "contact"])
    referral = partner_a.api().post(
        "/api/v1/referrals",
        {
            "beneficiary": beneficiary,
            "receiver": str(partner_b.organization.pk),
            "case_type": "emergency_shelter",
        },
        format="json",
    )
    assert referral.status_code == 201
    events, _ = read_all(partner_b.api())
    assert [e["type"] for e in events] == ["grant.recorded", "referral.sent"]
    actor = Actor(
        organization_id=partner_a.organization.pk,
        organization_ids=(partner_a.organization.pk,),
    )
    with transaction.atomic():
        withdraw_grant(actor=actor, grant_id=grant.pk, reason="La personne retire son accord")
    events, _ = read_all(partner_b.api())
    # The person's events are gone; the grantee is told of the withdrawal (grant id only).
    assert [(e["type"], e["beneficiary"]) for e in events] == [
        ("grant.recorded", None),
        ("grant.withdrawn", None),
    ]
