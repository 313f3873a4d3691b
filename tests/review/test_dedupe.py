"""``manage.py dedupe``: batch re-scoring in resumable, idempotent chunks."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection

from consent.models import AccessLog
from exchanges.dedupe import _process, plan_run, run_chunk
from hub.matching import DEFAULT_THRESHOLDS, Model
from hub.matching.blocking import MAX_BLOCK_SIZE
from hub.registry.models import (
    Beneficiary,
    BeneficiaryStatus,
    DedupeChunk,
    DedupeRun,
    MatchingModel,
    Merge,
    PartnerRecord,
    ReviewItem,
    ReviewStatus,
)
from tests.factories import record_payload, records_like

pytestmark = pytest.mark.django_db

NIR = "284037511512331"


def use_model(thresholds):
    """Store a model (the newest one is used by intake and by the batch)."""
    params = Model.default().to_dict()
    params["thresholds"] = dict(thresholds)
    return MatchingModel.objects.create(params=params)


# A model under which intake matches nothing: records enter the registry unmatched, as after a
# bulk load or before a model update.
BLIND = {"certain": 2.0, "probable": 2.0, "possible": 2.0}


def put(partner, external_id, **fields):
    response = partner.api().put(
        f"/api/v1/records/{external_id}", record_payload(**fields), format="json"
    )
    assert response.status_code in (200, 201), response.content
    return response.json()["beneficiary"]


@pytest.fixture
def planted_probable(partner_a, partner_b):
    """Same names, birth year off by one, no address: probable under the default model."""
    use_model(BLIND)
    first = put(partner_a, "A-1")
    second = put(partner_b, "B-1", birth_date="1985-03-12", address={})
    stranger = put(
        partner_b, "B-2", birth_name="Okonkwo", first_names="Chidi", birth_date="1990-07-01"
    )
    assert len({first, second, stranger}) == 3
    assert not ReviewItem.objects.exists()
    use_model(DEFAULT_THRESHOLDS)
    return first, second


def pairs():
    return {
        (str(i.beneficiary_a_id), str(i.beneficiary_b_id), i.status, i.source)
        for i in ReviewItem.objects.all()
    }


def test_dedupe_files_a_review_item_for_a_planted_probable_duplicate(planted_probable):
    call_command("dedupe", verbosity=0)
    item = ReviewItem.objects.get()
    assert {str(item.beneficiary_a_id), str(item.beneficiary_b_id)} == set(planted_probable)
    assert (item.grade, item.status, item.source) == ("probable", "pending", "batch")
    assert {e["field"] for e in item.explanation} >= {"surname", "birth_date"}
    run = DedupeRun.objects.get()
    assert run.status == "done"
    assert run.done_chunks == run.total_chunks
    assert run.review_items == 1
    assert run.pairs_scored >= 1


def test_dedupe_twice_gives_the_same_review_items(planted_probable):
    call_command("dedupe", verbosity=0)
    first = pairs()
    ids = set(ReviewItem.objects.values_list("id", flat=True))
    call_command("dedupe", verbosity=0)
    assert pairs() == first
    assert set(ReviewItem.objects.values_list("id", flat=True)) == ids
    assert DedupeRun.objects.count() == 2
    assert DedupeRun.objects.order_by("-started_at").first().review_items == 0


def test_a_chunk_delivered_twice_is_processed_once(planted_probable):
    run = plan_run(chunks=4)
    results = [run_chunk(run_id=run.pk, number=n) for n in range(4)]
    again = [run_chunk(run_id=run.pk, number=n) for n in range(4)]
    assert all(r is not None for r in results)
    assert again == [None] * 4
    run.refresh_from_db()
    assert run.done_chunks == 4
    assert run.review_items == 1
    assert ReviewItem.objects.count() == 1


def test_pair_decided_distinct_is_never_proposed_again(planted_probable):
    call_command("dedupe", verbosity=0)
    item = ReviewItem.objects.get()
    item.status = ReviewStatus.DISTINCT
    item.save()
    call_command("dedupe", "--restart", verbosity=0)
    assert pairs() == {
        (str(item.beneficiary_a_id), str(item.beneficiary_b_id), "distinct", "batch")
    }


def test_certain_duplicate_is_merged_automatically_with_audit(partner_a, partner_b):
    use_model(BLIND)
    older = put(partner_a, "A-1", nir=NIR, phone="0612345678")
    younger = put(partner_b, "B-1", nir=NIR, phone="0612345678")
    assert older != younger
    use_model(DEFAULT_THRESHOLDS)
    call_command("dedupe", verbosity=0)
    merge = Merge.objects.get()
    assert (str(merge.source_id), str(merge.target_id)) == (younger, older)
    assert Beneficiary.objects.get(pk=younger).merged_into_id == merge.target_id
    assert Beneficiary.objects.get(pk=younger).status == BeneficiaryStatus.MERGED
    item = ReviewItem.objects.get()
    assert (item.status, item.grade, item.source) == ("merged", "certain", "batch")
    assert merge.review_item_id == item.pk and merge.score == item.score
    logged = AccessLog.objects.filter(action="merge", resource="beneficiary")
    assert {str(r.beneficiary_id) for r in logged} == {older, younger}
    assert DedupeRun.objects.get().merges == 1
    # and a second run finds nothing more to do
    call_command("dedupe", verbosity=0)
    assert Merge.objects.count() == 1


def test_interrupted_run_resumes_with_the_chunks_not_done(partner_a, partner_b):
    use_model(BLIND)
    one = (put(partner_a, "A-1"), put(partner_b, "B-1", birth_date="1985-03-12", address={}))
    other = {
        "birth_name": "Lefebvre",
        "first_names": "Paul",
        "sex": "M",
        "birth_date": "1950-11-02",
    }
    two = (
        put(partner_a, "A-2", **other),
        put(partner_b, "B-2", **{**other, "birth_date": "1951-11-02", "address": {}}),
    )
    use_model(DEFAULT_THRESHOLDS)
    run = plan_run(chunks=64)
    keys_of = {
        b: set(PartnerRecord.objects.get(beneficiary_id=b).keys.values_list("key", flat=True))
        for b in (*one, *two)
    }
    shared_one = keys_of[one[0]] & keys_of[one[1]]
    shared_two = keys_of[two[0]] & keys_of[two[1]]
    chunks_one = {c.number for c in run.chunks.all() if shared_one & set(c.keys)}
    chunks_two = {c.number for c in run.chunks.all() if shared_two & set(c.keys)}
    assert chunks_one and chunks_two and not chunks_one & chunks_two
    # The run was interrupted after the chunks of the first pair were processed... without
    # their work (as if the first pair had been handled): only the other chunks remain.
    DedupeChunk.objects.filter(run=run, number__in=chunks_one).update(done=True)
    DedupeRun.objects.filter(pk=run.pk).update(done_chunks=len(chunks_one))

    call_command("dedupe", "--resume", verbosity=0)

    run.refresh_from_db()
    assert (run.status, run.done_chunks) == ("done", 64)
    assert DedupeRun.objects.count() == 1
    found = {(str(i.beneficiary_a_id), str(i.beneficiary_b_id)) for i in ReviewItem.objects.all()}
    assert found == {tuple(sorted(two))}


def test_resume_without_unfinished_run_does_nothing(planted_probable):
    call_command("dedupe", "--resume", verbosity=0)
    assert not DedupeRun.objects.exists()
    assert not ReviewItem.objects.exists()


def test_train_stores_a_model_fitted_on_all_records_and_keeps_thresholds(planted_probable):
    before = MatchingModel.objects.count()
    call_command("dedupe", "--train", verbosity=0)
    model = MatchingModel.objects.order_by("-created_at").first()
    assert MatchingModel.objects.count() == before + 1
    assert model.trained_on == PartnerRecord.objects.count()
    assert Model.from_dict(model.params).thresholds == DEFAULT_THRESHOLDS
    assert DedupeRun.objects.get().status == "done"


def test_done_chunks_do_not_keep_their_blocking_keys(planted_probable):
    call_command("dedupe", verbosity=0)
    assert list(DedupeChunk.objects.values_list("keys", flat=True).distinct()) == [[]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_chunk_run_by_two_workers_at_once_is_done_once(partner_a, partner_b):
    use_model(BLIND)
    first = put(partner_a, "A-1")
    second = put(partner_b, "B-1", birth_date="1985-03-12", address={})
    use_model(DEFAULT_THRESHOLDS)
    run = plan_run(chunks=1)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(run_chunk(run_id=run.pk, number=0))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r is not None for r in results) == 1
    run.refresh_from_db()
    assert (run.done_chunks, run.review_items, run.status) == (1, 1, "done")
    item = ReviewItem.objects.get()
    assert {str(item.beneficiary_a_id), str(item.beneficiary_b_id)} == {first, second}


def test_certain_score_with_different_surnames_goes_to_review_not_merged(partner_a, partner_b):
    use_model(BLIND)
    common = {
        "birth_place": "Lyon",
        "address": {"line": "3 rue de la Paix", "postcode": "69003", "city": "Lyon"},
    }
    put(partner_a, "A-1", **common)
    put(partner_b, "B-1", birth_name="Durand", **common)
    use_model(DEFAULT_THRESHOLDS)
    call_command("dedupe", verbosity=0)
    item = ReviewItem.objects.get()
    assert (item.grade, item.status) == ("certain", "pending")
    assert {e["field"]: e["level"] for e in item.explanation}["surname"] == "different"
    assert not Merge.objects.exists()


def test_chunk_interrupted_after_its_decisions_is_redone_harmlessly(planted_probable):
    run = plan_run(chunks=1)
    chunk = run.chunks.get()
    # the worker filed its review items, then died before marking the chunk done
    _process(keys=chunk.keys, skipped=set(), max_block_size=MAX_BLOCK_SIZE)
    filed = pairs()
    assert len(filed) == 1

    call_command("dedupe", "--resume", verbosity=0)

    assert pairs() == filed
    run.refresh_from_db()
    assert (run.status, run.done_chunks) == ("done", 1)


def test_the_plan_skips_a_block_over_its_familys_cap(partner_a):
    """The caps of intake and the engine's batch: a date-less key (``ff``: first name and
    surname) is skipped above 37 records, a key with the full date only above 300."""
    from hub.registry.models import RecordKey

    use_model(BLIND)
    put(partner_a, "A-1")
    record = PartnerRecord.objects.get(external_id="A-1")
    others = records_like(record, 39)
    RecordKey.objects.bulk_create(
        [RecordKey(record=r, key=k) for r in others for k in ("ff:JN:MRTN", "dp:19840312:75011")]
    )
    run = plan_run()
    assert "ff:JN:MRTN" in run.skipped_keys
    assert "dp:19840312:75011" not in run.skipped_keys
    planned = {k for c in DedupeChunk.objects.filter(run=run) for k in c.keys}
    assert "dp:19840312:75011" in planned and "ff:JN:MRTN" not in planned
