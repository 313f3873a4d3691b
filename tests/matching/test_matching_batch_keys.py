"""The batch's integer keys and tasks: the same candidates as the string keys, each once."""

import sys
from pathlib import Path

import numpy as np
import pytest

from hub.matching import prepare, train
from hub.matching.batch import bounded, cut_weight_of, encode, upper_bound
from hub.matching.batch_keys import family_blocks, parts_of, sampled_date_codes, training_codes
from hub.matching.batch_run import survivors, tasks_of
from hub.matching.batch_shared import RecordFile, SharedDir, mapped
from hub.matching.blocking import birth_date_key, candidate_codes, names_key
from hub.matching.engine import _as_prepared

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "matching"))
from generate import generate  # noqa: E402

# records that exercise the keys' corners: no first name, no surname, several surnames, a
# partial or missing birth date, no postcode but a city, a first name sharing its first two
# letters with a surname, identifiers shared by strangers
_EDGE = [
    {"id": "e1", "first_names": "", "birth_name": "MARTIN", "birth_date": "1980-02-03"},
    {"id": "e2", "first_names": "MARIE", "birth_name": "", "birth_date": "1980-02-03"},
    {"id": "e3", "first_names": "MARC", "birth_name": "MARTIN ép. DUPONT", "birth_date": "1980"},
    {"id": "e4", "first_names": "MARC", "birth_name": "DUPONT", "usage_name": "MARTIN"},
    {"id": "e5", "first_names": "DUPONT", "birth_name": "MARC", "birth_date": "1980-02-03"},
    {"id": "e6", "first_names": "LEA", "birth_name": "MARTIN", "city": "Lyon", "phone": "0102"},
    {"id": "e7", "first_names": "LEO", "birth_name": "MARTINE", "city": "Lyon", "phone": "0102"},
    {"id": "e8", "first_names": "MA", "birth_name": "MA", "birth_date": "1980-02", "nir": "x1"},
    {"id": "e9", "first_names": "MAX", "birth_name": "DU", "birth_date": "1980-02", "nir": "x1"},
]


@pytest.fixture(scope="module")
def data():
    records, _ = generate(2500, seed=7)
    prepared = _as_prepared(records + _EDGE)
    return prepared, train(prepared)


def _all_pairs(prepared, model, cut_weight, max_block_size=300, chunk=None):
    parts = parts_of(prepared)
    families = family_blocks(parts, max_block_size)
    encoded = encode(prepared, model)
    codes, count = [], 0
    for task in tasks_of(families, chunk):
        i, j, c = survivors(families, encoded, model, cut_weight, task)
        codes.append(i.astype(np.int64) * len(prepared) + j)
        count += c
    return np.concatenate(codes), count


@pytest.mark.parametrize(("max_block_size", "chunk"), [(300, 97), (40, 5000), (300, None)])
def test_tasks_give_each_candidate_pair_of_the_string_keys_once(data, max_block_size, chunk):
    prepared, model = data
    codes, count = _all_pairs(prepared, model, -np.inf, max_block_size, chunk)
    expected = candidate_codes(prepared, max_block_size)
    assert len(codes) == count == len(expected) > 2000
    assert (np.sort(codes) == expected).all()


def test_edge_records_share_the_keys_they_share_as_strings(data):
    prepared, model = data
    edge = _as_prepared(_EDGE)
    codes, _ = _all_pairs(edge, model, -np.inf)
    assert len(codes) > 5
    assert (np.sort(codes) == candidate_codes(edge)).all()


@pytest.mark.parametrize(("family", "key"), [("names", names_key), ("date", birth_date_key)])
def test_training_codes_are_those_of_the_string_keys(data, family, key):
    prepared, _ = data
    codes = training_codes(parts_of(prepared), family, 300, chunk=101)
    expected = candidate_codes(prepared, 300, (key,))
    assert len(expected) > 100
    assert np.array_equal(codes, expected)


@pytest.mark.parametrize("every", [1, 7, 100, 10**9])
def test_the_same_date_sample_is_every_step_th_code_of_the_sorted_codes(data, every):
    prepared, _ = data
    parts = parts_of(prepared)
    codes = training_codes(parts, "date")
    sample, total = sampled_date_codes(parts, every)
    assert total == len(codes)
    assert np.array_equal(sample, codes[:: max(1, -(-len(codes) // every))])


def test_the_two_stage_bound_keeps_the_pairs_the_full_bound_keeps(data):
    prepared, model = data
    n = len(prepared)
    codes = candidate_codes(prepared)
    i, j = codes // n, codes % n
    encoded = encode(prepared, model)
    full = upper_bound(model, encoded, i, j)
    for cut in (0.5, 0.9, 0.01):
        w = cut_weight_of(cut)
        kept = bounded(model, encoded, i, j, w)
        assert kept.tolist() == np.flatnonzero(full >= w - 1e-9).tolist()
        assert 0 < len(kept) < len(codes)


def test_records_and_arrays_read_back_from_the_run_directory_are_the_originals(data):
    prepared, _ = data
    one = prepare({"id": "z", "first_names": "Jean-Pierre", "birth_name": "Lefèvre ép. Roux"})
    shared = SharedDir()
    try:
        store = RecordFile(*shared.put_records([*prepared, one]))
        wanted = np.array([0, 5, len(prepared) - 1, len(prepared)])
        assert store.records(wanted) == {k: [*prepared, one][k] for k in wanted.tolist()}
        codes = np.arange(-3, 40, dtype=np.int32).reshape(-1, 1)
        view = mapped(shared.put("codes", codes))
        assert view.dtype == np.int32 and np.array_equal(view, codes)
        assert not view.flags.writeable
    finally:
        shared.remove()
    assert not shared.path.exists()


def test_records_read_back_one_by_one_are_the_originals(data):
    prepared, _ = data
    shared = SharedDir()
    try:
        store = RecordFile(*shared.put_records(prepared))
        for k in (0, 7, len(prepared) - 1, 7):
            assert store[k] == prepared[k]
        store.forget()
        assert store[3] == prepared[3]
    finally:
        shared.remove()
