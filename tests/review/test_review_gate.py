"""Regressions of issue 8 in the review queue and the merge history: both sides through the
gate, masked without identity; decisions through services with their audit rows and events.

A's persons A1 and A2 are a possible pair. B's agent sees them through a grant covering the
support history only: the pair is listed for B (both persons are visible) but names, birth
dates and contact details stay masked.
"""

import pytest
from django.test import Client
from django.urls import reverse

from consent.grants import record_grant
from consent.models import AccessLog
from hub.outbox.models import Event
from hub.registry.actors import Actor
from hub.registry.models import Merge, ReviewItem, ReviewStatus
from tests.review.conftest import page

pytestmark = pytest.mark.django_db

QUEUE = "admin:registry_reviewitem_changelist"
HISTORY = "admin:registry_merge_changelist"
A_VALUES = ("Martin", "MARTIN", "Jeanne", "12/03/1984", "1984", "0611111111", "0622222222")


def share_history(partner_a, partner_b, *persons):
    for person in persons:
        record_grant(
            actor=Actor.for_client(partner_a.onboarded.client),
            beneficiary_id=person.pk,
            basis="consent",
            grantee_type="organization",
            grantee_organization_id=partner_b.organization.pk,
            purposes=["coordination"],
            categories=["support_history"],
            evidence_method="written",
            collected_by_name="Mme Durand",
        )


@pytest.fixture
def only_in_a(items, people, partner_a, partner_b):
    """B sees A1 and A2 without identity; the other pairs (with B's own persons) are gone."""
    ReviewItem.objects.exclude(pk=items["in_a"].pk).delete()
    share_history(partner_a, partner_b, people["a1"], people["a2"])
    return items["in_a"]


def leaked(html):
    return [value for value in A_VALUES if value in html]


def test_queue_masks_names_and_birth_dates_without_identity(client, only_in_a, agent_b, people):
    client.force_login(agent_b)
    before = AccessLog.objects.count()
    response = client.get(reverse(QUEUE))
    assert [item.pk for item in response.context["cl"].result_list] == [only_in_a.pk]
    html = response.content.decode()
    assert leaked(html) == []
    for person in (people["a1"], people["a2"]):
        assert f"Personne n° {str(person.pk).split('-')[0].upper()}" in html
    rows = AccessLog.objects.order_by("id")[before:]
    assert {(r.resource, r.beneficiary_id, r.basis) for r in rows} == {
        ("review_item", people["a1"].pk, "consent"),
        ("review_item", people["a2"].pk, "consent"),
    }
    assert all(r.categories == ["support_history"] for r in rows)


def test_queue_shows_names_and_birth_dates_to_the_owner(client, items, agent_a):
    client.force_login(agent_a)
    html = client.get(reverse(QUEUE)).content.decode()
    assert "MARTIN Jeanne (12/03/1984)" in html


def test_side_by_side_page_compares_the_viewers_views(client, only_in_a, agent_b):
    client.force_login(agent_b)
    response = client.get(page(only_in_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert leaked(html) == []
    assert "identité non communiquée" in html
    # Nothing the viewer may not see takes part in the comparison.
    assert {row["agreement"] for row in response.context["rows"]} <= {"neutral"}
    # B holds no record of either; A's record is counted (support history is granted).
    assert response.context["side_a"] == {"records": [], "others": 1}
    assert response.context["side_b"]["records"] == []


def test_merge_history_masks_both_persons_without_identity(
    client, only_in_a, agent_a, agent_b, people
):
    client.force_login(agent_a)
    client.post(page(only_in_a), {"decision": "same"})
    merge = Merge.objects.get()
    client = Client()  # B's own browser (A's confirmation message names the persons, for A)
    client.force_login(agent_b)
    before = AccessLog.objects.count()
    response = client.get(reverse(HISTORY))
    assert [m.pk for m in response.context["cl"].result_list] == [merge.pk]
    assert leaked(response.content.decode()) == []
    detail = client.get(reverse("admin:registry_merge_change", args=[merge.pk]))
    assert detail.status_code == 200
    assert leaked(detail.content.decode()) == []
    rows = AccessLog.objects.order_by("id")[before:]
    assert sorted((r.resource, str(r.beneficiary_id)) for r in rows) == sorted(
        ("merge", str(p.pk)) for p in (people["a1"], people["a2"]) for _ in range(2)
    )


@pytest.mark.parametrize("choice,status", [("distinct", "distinct"), ("later", "later")])
def test_decision_writes_its_audit_rows_and_event(client, items, agent_a, people, choice, status):
    client.force_login(agent_a)
    before = AccessLog.objects.count()
    response = client.post(page(items["in_a"]), {"decision": choice})
    assert response.status_code == 302
    assert ReviewItem.objects.get(pk=items["in_a"].pk).status == status
    rows = AccessLog.objects.filter(action="review").order_by("id")
    assert {r.beneficiary_id for r in rows} == {people["a1"].pk, people["a2"].pk}
    assert {(r.user_id, r.resource, r.decision) for r in rows} == {
        (agent_a.pk, "review_item", "allow")
    }
    assert AccessLog.objects.count() > before
    event = Event.objects.get(type="review.decided")
    assert event.data["status"] == status
    assert event.data["review_item"] == str(items["in_a"].pk)
    assert event.organization_id == agent_a.memberships.get().organization_id


def test_bulk_action_decides_through_the_service(client, items, agent_a):
    client.force_login(agent_a)
    client.post(
        reverse(QUEUE),
        {"action": "mark_later", "_selected_action": [str(items["in_a"].pk)], "index": 0},
    )
    assert ReviewItem.objects.get(pk=items["in_a"].pk).status == ReviewStatus.LATER
    assert Event.objects.filter(type="review.decided", data__status="later").count() == 1
    assert AccessLog.objects.filter(action="review", user=agent_a).count() == 2


def test_same_person_and_unmerge_emit_their_events(client, items, agent_a):
    client.force_login(agent_a)
    client.post(page(items["in_a"]), {"decision": "same"})
    assert Event.objects.filter(type="review.decided", data__status="merged").count() == 1
    assert Event.objects.filter(type="beneficiary.merged").count() == 1
    merge = Merge.objects.get()
    client.post(
        reverse(HISTORY),
        {"action": "unmerge_selected", "_selected_action": [str(merge.pk)], "index": 0},
    )
    assert Event.objects.filter(type="beneficiary.unmerged").count() == 1
