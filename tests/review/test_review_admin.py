"""The review queue in the admin: scoped to pairs the user may see, decisions, merge history."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from consent.models import AccessLog
from exchanges.dedupe import SYSTEM_ACTOR
from exchanges.merges import merge_beneficiaries
from hub.registry.models import (
    Beneficiary,
    BeneficiaryStatus,
    DedupeChunk,
    DedupeRun,
    Merge,
    ReviewItem,
    ReviewStatus,
    Role,
)
from hub.registry.services import cluster_ids
from tests.review.conftest import member, page, staff_user

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:registry_reviewitem_changelist"


def listed(client, user, **params):
    client.force_login(user)
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return {item.pk for item in response.context["cl"].result_list}


def test_queue_lists_only_pairs_whose_two_persons_the_user_may_see(
    client, items, agent_a, agent_b, superuser
):
    assert listed(client, agent_a) == {items["in_a"].pk}
    assert listed(client, agent_b) == {items["in_b"].pk}
    assert listed(client, superuser) == {item.pk for item in items.values()}


def test_pair_with_a_person_the_user_may_not_see_is_not_found(client, items, agent_a):
    client.force_login(agent_a)
    response = client.get(page(items["across"]))
    assert response.status_code == 302  # the admin's "does not exist" answer
    assert response.url == reverse("admin:index")
    forbidden = client.post(page(items["across"]), {"decision": "same"})
    assert forbidden.status_code == 302
    assert not Merge.objects.exists()
    assert ReviewItem.objects.get(pk=items["across"].pk).status == ReviewStatus.PENDING


def test_listing_writes_one_access_log_row_per_person_shown(client, items, agent_a, people):
    listed(client, agent_a)
    rows = AccessLog.objects.filter(action="read", resource="review_item", user=agent_a)
    assert {r.beneficiary_id for r in rows} == {people["a1"].pk, people["a2"].pk}
    assert {r.decision for r in rows} == {"allow"}


def test_side_by_side_page_shows_agreeing_and_disagreeing_fields(client, items, agent_a, people):
    client.force_login(agent_a)
    response = client.get(page(items["in_a"]))
    assert response.status_code == 200
    rows = {row["field"]: row for row in response.context["rows"]}
    assert rows["surname"]["agreement"] == "agree"
    assert rows["first_names"]["agreement"] == "agree"
    assert rows["phone"]["agreement"] == "disagree"
    assert rows["phone"]["weight"] < 0
    assert {rows["phone"]["a"], rows["phone"]["b"]} == {"0611111111", "0622222222"}
    assert rows["city"]["agreement"] == "neutral"  # no address on one side
    html = response.content.decode()
    assert 'data-field="phone" data-agreement="disagree"' in html
    assert 'data-field="surname" data-agreement="agree"' in html
    assert "Même personne" in html and "Personnes différentes" in html and "Plus tard" in html
    # each side lists its partner records (both from the user's organization here)
    assert [r["external_id"] for r in response.context["side_a"]["records"]] in (["A-1"], ["A-2"])
    logged = AccessLog.objects.filter(action="read", resource="review_item", user=agent_a)
    assert {r.beneficiary_id for r in logged} == {people["a1"].pk, people["a2"].pk}


def test_records_of_other_partners_are_neither_shown_nor_counted_without_a_grant(
    client, items, agent_a, people
):
    # B's person B1 was merged into A1: without a grant covering the support history, A's
    # agent does not learn that another partner holds a record (nor its content).
    merge_beneficiaries(actor=SYSTEM_ACTOR, source_id=people["b1"].pk, target_id=people["a1"].pk)
    client.force_login(agent_a)
    response = client.get(page(items["in_a"]))
    a1_side = "side_a" if items["in_a"].beneficiary_a_id == people["a1"].pk else "side_b"
    side = response.context[a1_side]
    assert [r["external_id"] for r in side["records"]] == ["A-1"]
    assert side["others"] == 0
    html = response.content.decode()
    assert "B-1" not in html
    assert "Association" not in html  # partner B's name
    assert "autre partenaire" not in html and "autres partenaires" not in html


def test_records_of_other_partners_are_counted_not_shown_under_a_support_history_grant(
    client, items, agent_a, people, partner_a, partner_b
):
    from consent.grants import record_grant
    from hub.registry.actors import Actor
    from hub.registry.models import PartnerRecord

    # B's record of B1 turns out to describe A1 (linked by hand), and B shares its history.
    PartnerRecord.objects.filter(organization=partner_b.organization).filter(
        external_id="B-1"
    ).update(beneficiary_id=people["a1"].pk)
    record_grant(
        actor=Actor.for_client(partner_b.onboarded.client),
        beneficiary_id=people["a1"].pk,
        basis="consent",
        grantee_type="organization",
        grantee_organization_id=partner_a.organization.pk,
        purposes=["coordination"],
        categories=["support_history"],
        evidence_method="written",
        collected_by_name="Mme Durand",
    )
    client.force_login(agent_a)
    response = client.get(page(items["in_a"]))
    a1_side = "side_a" if items["in_a"].beneficiary_a_id == people["a1"].pk else "side_b"
    side = response.context[a1_side]
    assert [r["external_id"] for r in side["records"]] == ["A-1"]
    assert side["others"] == 1
    html = response.content.decode()
    assert "B-1" not in html
    assert "Association" not in html


def test_same_person_merges_the_younger_into_the_older_with_audit(client, items, agent_a, people):
    client.force_login(agent_a)
    response = client.post(page(items["in_a"]), {"decision": "same"})
    assert response.status_code == 302
    merge = Merge.objects.get()
    assert (merge.source_id, merge.target_id) == (people["a2"].pk, people["a1"].pk)
    assert merge.merged_by == agent_a
    assert merge.review_item_id == items["in_a"].pk
    source = Beneficiary.objects.get(pk=people["a2"].pk)
    assert source.merged_into_id == people["a1"].pk
    assert source.status == BeneficiaryStatus.MERGED
    item = ReviewItem.objects.get(pk=items["in_a"].pk)
    assert (item.status, item.decided_by) == (ReviewStatus.MERGED, agent_a)
    merged = AccessLog.objects.filter(action="merge", user=agent_a)
    assert {r.beneficiary_id for r in merged} == {people["a1"].pk, people["a2"].pk}


def test_not_the_same_person_is_never_proposed_again(client, items, agent_a, people):
    client.force_login(agent_a)
    client.post(page(items["in_a"]), {"decision": "distinct"})
    item = ReviewItem.objects.get(pk=items["in_a"].pk)
    assert (item.status, item.decided_by) == (ReviewStatus.DISTINCT, agent_a)
    assert items["in_a"].pk not in listed(client, agent_a)

    call_command("dedupe", verbosity=0)

    item.refresh_from_db()
    assert item.status == ReviewStatus.DISTINCT
    # no other item for the two persons (or anyone merged into them) either
    side_a = set(cluster_ids(item.beneficiary_a_id))
    side_b = set(cluster_ids(item.beneficiary_b_id))
    pairs = {frozenset(p) for p in ReviewItem.objects.values_list("beneficiary_a", "beneficiary_b")}
    assert [p for p in pairs if p & side_a and p & side_b] == [
        frozenset((item.beneficiary_a_id, item.beneficiary_b_id))
    ]
    assert DedupeRun.objects.get().status == "done"


def test_later_keeps_the_pair_in_the_queue_after_pending_ones(client, items, agent_a, superuser):
    client.force_login(agent_a)
    client.post(page(items["in_a"]), {"decision": "later"})
    assert ReviewItem.objects.get(pk=items["in_a"].pk).status == ReviewStatus.LATER
    assert listed(client, agent_a) == {items["in_a"].pk}
    client.force_login(superuser)
    response = client.get(reverse(CHANGELIST))
    order = [item.pk for item in response.context["cl"].result_list]
    assert order[-1] == items["in_a"].pk  # postponed: after the pending pairs


def test_unmerge_from_the_admin_restores_the_state(client, items, agent_a, people):
    client.force_login(agent_a)
    state = {
        b.pk: (b.status, b.merged_into_id, b.phone, b.birth_date) for b in Beneficiary.objects.all()
    }
    client.post(page(items["in_a"]), {"decision": "same"})
    merge = Merge.objects.get()
    response = client.post(
        reverse("admin:registry_merge_changelist"),
        {"action": "unmerge_selected", "_selected_action": [str(merge.pk)], "index": 0},
    )
    assert response.status_code == 302
    assert {
        b.pk: (b.status, b.merged_into_id, b.phone, b.birth_date) for b in Beneficiary.objects.all()
    } == state
    merge.refresh_from_db()
    assert merge.unmerged_at is not None and merge.unmerged_by == agent_a
    assert ReviewItem.objects.get(pk=items["in_a"].pk).status == ReviewStatus.PENDING
    assert AccessLog.objects.filter(action="unmerge", user=agent_a).count() == 2


def test_merge_history_lists_only_merges_of_visible_persons(
    client, items, agent_a, agent_b, superuser
):
    client.force_login(agent_a)
    client.post(page(items["in_a"]), {"decision": "same"})
    history = reverse("admin:registry_merge_changelist")
    client.force_login(agent_b)
    assert list(client.get(history).context["cl"].result_list) == []
    client.force_login(agent_a)
    response = client.get(history)
    assert [m.pk for m in response.context["cl"].result_list] == [Merge.objects.get().pk]
    assert AccessLog.objects.filter(resource="merge", action="read", user=agent_a).count() == 2


def test_dpo_reads_the_queue_but_cannot_decide(client, items, partner_a):
    dpo = member(partner_a.organization, Role.DPO)
    assert listed(client, dpo) == {items["in_a"].pk}
    response = client.get(page(items["in_a"]))
    assert response.status_code == 200
    assert "Même personne" not in response.content.decode()
    assert client.post(page(items["in_a"]), {"decision": "same"}).status_code == 403
    actions = client.post(
        reverse(CHANGELIST),
        {"action": "mark_distinct", "_selected_action": [str(items["in_a"].pk)], "index": 0},
    )
    assert actions.status_code in (200, 302)
    assert ReviewItem.objects.get(pk=items["in_a"].pk).status == ReviewStatus.PENDING
    assert not Merge.objects.exists()


def test_staff_without_a_role_sees_no_queue(client, items):
    outsider = staff_user()
    client.force_login(outsider)
    assert client.get(reverse(CHANGELIST)).status_code == 403


def test_dedupe_run_progress_is_shown(client, superuser):
    run = DedupeRun.objects.create(total_chunks=4, done_chunks=1)
    DedupeChunk.objects.bulk_create(DedupeChunk(run=run, number=n, done=n == 0) for n in range(4))
    client.force_login(superuser)
    html = client.get(reverse("admin:registry_deduperun_changelist")).content.decode()
    assert "1/4 (25 %)" in html
    assert client.get(reverse("admin:registry_deduperun_add")).status_code == 403


def test_same_person_refused_when_a_side_was_merged_elsewhere_meanwhile(
    client, items, agent_a, people
):
    merge_beneficiaries(actor=SYSTEM_ACTOR, source_id=people["a2"].pk, target_id=people["b2"].pk)
    client.force_login(agent_a)
    page_html = client.get(page(items["in_a"])).content.decode()
    assert "a depuis été fusionnée" in page_html
    response = client.post(page(items["in_a"]), {"decision": "same"}, follow=True)
    assert "a depuis été fusionnée" in response.content.decode()
    assert Merge.objects.count() == 1
    assert ReviewItem.objects.get(pk=items["in_a"].pk).status == ReviewStatus.PENDING
