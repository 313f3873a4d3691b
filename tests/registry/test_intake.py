"""Intake: a new record is matched against the registry through the blocking-key index."""

import threading

import pytest
from django.db import close_old_connections, connection

from exchanges.records import submit_record
from hub.registry import intake as registry_intake
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, LinkDecision, PartnerRecord, ReviewItem
from tests.factories import record_payload, records_like

NIR = "284037511512331"

pytestmark = pytest.mark.django_db


def _put(partner, external_id, **fields):
    response = partner.api().put(
        f"/api/v1/records/{external_id}", record_payload(**fields), format="json"
    )
    assert response.status_code in (200, 201), response.content
    return response.json()


def _intake(external_id) -> LinkDecision:
    """What intake decided (the partner's answer tells it only what it may know: see
    tests/consent/test_gate_bypasses.py)."""
    return LinkDecision.objects.get(record__external_id=external_id)


def test_same_person_from_two_partners_links_to_one_beneficiary(partner_a, partner_b):
    first = _put(partner_a, "A-1", nir=NIR, phone="0612345678")
    second = _put(partner_b, "B-9", nir=NIR, phone="06 12 34 56 78", birth_name="MARTIN")
    assert _intake("B-9").outcome == "linked"
    assert _intake("B-9").grade == "certain"
    assert second["beneficiary"] == first["beneficiary"]
    assert Beneficiary.objects.count() == 1
    decision = LinkDecision.objects.get(record__external_id="B-9")
    assert decision.outcome == "linked"
    assert {item["field"] for item in decision.explanation} >= {"surname", "birth_date", "nir"}


def test_stranger_gets_a_new_beneficiary(partner_a, partner_b):
    first = _put(partner_a, "A-1")
    other = _put(
        partner_b,
        "B-1",
        birth_name="Okonkwo",
        first_names="Chidi",
        birth_date="1990-07-01",
        sex="M",
    )
    assert _intake("B-1").outcome == "created"
    assert other["beneficiary"] != first["beneficiary"]
    assert not ReviewItem.objects.exists()


def test_doubtful_match_creates_new_beneficiary_and_review_item(partner_a, partner_b):
    first = _put(partner_a, "A-1")
    # Same names, birth year off by one, no address: probable, not certain.
    doubtful = _put(partner_b, "B-1", birth_date="1985-03-12", address={})
    assert _intake("B-1").outcome == "review"
    assert _intake("B-1").grade == "probable"
    assert doubtful["beneficiary"] != first["beneficiary"]
    item = ReviewItem.objects.get()
    pair = {str(item.beneficiary_a_id), str(item.beneficiary_b_id)}
    assert pair == {first["beneficiary"], doubtful["beneficiary"]}
    assert item.grade == "probable"
    levels = {entry["field"]: entry["level"] for entry in item.explanation}
    assert levels["surname"] == "exact"
    assert levels["birth_date"] != "exact"


def test_updated_record_is_reindexed_so_later_records_find_it(partner_a, partner_b):
    _put(
        partner_a,
        "A-1",
        birth_name="Zzyzx",
        first_names="Quentin",
        birth_date="1970-01-05",
        sex="M",
    )
    renamed = _put(partner_a, "A-1", nir=NIR, phone="0612345678")
    linked = _put(partner_b, "B-1", nir=NIR, phone="0612345678")
    assert linked["beneficiary"] == renamed["beneficiary"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_intakes_of_one_new_person_create_one_beneficiary(partner_a):
    actor = Actor.for_client(partner_a.onboarded.client)
    barrier = threading.Barrier(20)
    errors = []

    def worker(index):
        try:
            barrier.wait()
            submit_record(
                actor=actor,
                external_id=f"C-{index}",
                payload=record_payload(nir=NIR, phone="0612345678"),
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    assert errors == []
    assert PartnerRecord.objects.count() == 20
    assert Beneficiary.objects.count() == 1


def test_certain_score_with_different_surnames_goes_to_review_not_linked(partner_a, partner_b):
    first = _put(partner_a, "A-1")
    # Same first name, birth date and address, another surname: perhaps a married name,
    # perhaps a relative. Without an agreeing identifier a social worker decides.
    other = _put(partner_b, "B-1", birth_name="Zola")
    assert _intake("B-1").grade == "certain"
    assert _intake("B-1").outcome == "review"
    assert other["beneficiary"] != first["beneficiary"]
    assert ReviewItem.objects.count() == 1


def test_different_surname_with_same_nir_links(partner_a, partner_b):
    first = _put(partner_a, "A-1", nir=NIR)
    married = _put(partner_b, "B-1", birth_name="Zola", nir=NIR)
    assert _intake("B-1").outcome == "linked"
    assert married["beneficiary"] == first["beneficiary"]


def test_twins_with_similar_first_names_are_not_linked_automatically(partner_a, partner_b):
    first = _put(partner_a, "A-1", first_names="Jeanne")
    twin = _put(partner_b, "B-1", first_names="Jeannine")
    assert _intake("B-1").outcome == "review"
    assert twin["beneficiary"] != first["beneficiary"]


def test_compound_first_name_written_differently_still_links(partner_a, partner_b):
    first = _put(partner_a, "A-1", first_names="Jean-Pierre", sex="M")
    again = _put(partner_b, "B-1", first_names="JEAN PIERRE", sex="M")
    assert _intake("B-1").outcome == "linked"
    assert again["beneficiary"] == first["beneficiary"]


def test_keys_shared_by_too_many_records_are_not_used_for_candidates(partner_a):
    from hub import matching
    from hub.registry.intake import prepared_for, usable_keys
    from hub.registry.models import RecordKey

    record = PartnerRecord.objects.get(external_id=_put(partner_a, "A-1")["external_id"])
    keys = matching.blocking_keys(prepared_for("probe", record.payload, record.nir_hash))
    wide = next(k for k in keys if k.startswith("pn:"))
    assert wide in usable_keys(keys)
    cap = matching.block_cap(wide)
    others = records_like(record, cap)
    RecordKey.objects.bulk_create([RecordKey(record=r, key=wide) for r in others])
    assert wide not in usable_keys(keys)
    assert set(usable_keys(keys)) == set(keys) - {wide}


def test_written_record_keeps_its_match_features_for_its_version(partner_a):
    _put(partner_a, "A-1")
    record = PartnerRecord.objects.get(external_id="A-1")
    assert record.match_features["v"] == record.version == 1
    expected = registry_intake.prepared_for(record.pk, record.payload, record.nir_hash)
    assert (
        registry_intake.candidate_features(
            record.pk, record.payload, record.nir_hash, record.match_features, record.version
        )
        == expected
    )
    _put(partner_a, "A-1", phone="0612345678")
    record.refresh_from_db()
    assert record.match_features["v"] == record.version == 2
    stale = {**record.match_features, "v": 1}
    again = registry_intake.candidate_features(
        record.pk, record.payload, record.nir_hash, stale, record.version
    )
    assert again == registry_intake.prepared_for(record.pk, record.payload, record.nir_hash)
