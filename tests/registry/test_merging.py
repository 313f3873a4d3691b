"""Merges are reversible links: unmerge gives back exactly the state before the merge."""

import pytest

from exchanges.merges import merge_beneficiaries, unmerge_beneficiaries
from hub.outbox.models import Event
from hub.registry.actors import Actor
from hub.registry.merging import MergeError
from hub.registry.models import Beneficiary, BeneficiaryStatus, Merge, PartnerRecord
from tests.factories import record_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_people(partner_a, partner_b):
    a = (
        partner_a.api()
        .put("/api/v1/records/A-1", record_payload(phone="0611111111"), format="json")
        .json()
    )
    b = (
        partner_b.api()
        .put(
            "/api/v1/records/B-1",
            record_payload(birth_date="1985-03-12", address={}, email="j.martin@example.org"),
            format="json",
        )
        .json()
    )
    assert a["beneficiary"] != b["beneficiary"]
    return a["beneficiary"], b["beneficiary"]


def _state():
    return {
        str(b.pk): (b.status, b.merged_into_id, b.phone, b.email, b.birth_date)
        for b in Beneficiary.objects.order_by("pk")
    }


def test_merge_links_without_deleting_and_golden_record_takes_both_sides(two_people, partner_a):
    target, source = two_people
    actor = Actor.for_client(partner_a.onboarded.client)
    done = merge_beneficiaries(actor=actor, source_id=source, target_id=target)
    merged = Beneficiary.objects.get(pk=source)
    assert merged.status == BeneficiaryStatus.MERGED
    assert str(merged.merged_into_id) == target
    assert Beneficiary.objects.count() == 2
    survivor = Beneficiary.objects.get(pk=target)
    assert survivor.email == "j.martin@example.org"  # only the merged side knew it
    assert done.before["source"]["records"]
    assert Event.objects.filter(type="beneficiary.merged").count() == 1


def test_unmerge_restores_the_state_before_even_after_records_changed(
    two_people, partner_a, partner_b
):
    target, source = two_people
    actor = Actor.for_client(partner_a.onboarded.client)
    before = _state()
    records_before = dict(PartnerRecord.objects.values_list("external_id", "beneficiary_id"))
    done = merge_beneficiaries(actor=actor, source_id=source, target_id=target)
    # The merged side's partner changes its record while merged...
    changed = partner_b.api().put(
        "/api/v1/records/B-1",
        record_payload(birth_date="1985-03-12", address={}, email="jeanne@example.org"),
        format="json",
    )
    assert changed.status_code == 200
    unmerge_beneficiaries(actor=actor, merge_id=done.pk)
    after = _state()
    assert after[target] == before[target]
    assert after[source][:3] == before[source][:3]
    assert after[source][3] == "jeanne@example.org"  # the record's current value, on its own side
    assert (
        dict(PartnerRecord.objects.values_list("external_id", "beneficiary_id")) == records_before
    )
    assert Merge.objects.get(pk=done.pk).unmerged_at is not None


def test_merge_refuses_self_and_already_merged(two_people, partner_a):
    target, source = two_people
    actor = Actor.for_client(partner_a.onboarded.client)
    with pytest.raises(MergeError):
        merge_beneficiaries(actor=actor, source_id=target, target_id=target)
    merge_beneficiaries(actor=actor, source_id=source, target_id=target)
    with pytest.raises(MergeError):
        merge_beneficiaries(actor=actor, source_id=source, target_id=target)


def test_new_record_of_a_merged_person_links_to_the_surviving_record(
    two_people, partner_a, organization
):
    target, source = two_people
    actor = Actor.for_client(partner_a.onboarded.client)
    merge_beneficiaries(actor=actor, source_id=source, target_id=target)
    again = (
        partner_a.api()
        .put("/api/v1/records/A-2", record_payload(phone="0611111111"), format="json")
        .json()
    )
    assert again["beneficiary"] == target
