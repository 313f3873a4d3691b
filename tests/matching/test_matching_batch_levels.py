"""Levels of arrays of pairs from codes: exactly ``compare_levels``' on every pair, and the
scores of ``score_pairs`` exactly ``Model.weight_of``'s."""

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.matching import Model, compare_levels, prepare, train
from hub.matching.batch import Encoded, columns, compare_pairs, encode, score_pairs
from hub.matching.batch_keys import parts_of
from hub.matching.batch_levels import levels, pattern_counts
from hub.matching.blocking import candidate_codes, household_key
from hub.matching.engine import _as_prepared
from hub.matching.household import household_codes

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "matching"))
from generate import generate  # noqa: E402

from tests.matching.test_matching_properties import records as hypothesis_records  # noqa: E402

#: Records meant to meet every branch of the comparators: several surnames, compound and
#: usual first names, names of two sexes, swapped and crossed names, partial dates, close
#: communes, identifiers one edit apart.
EDGE = [
    {"first_names": "Jean-Pierre", "birth_name": "Martin", "sex": "M", "birth_date": "1984-05-12"},
    {"first_names": "Jean Pierre", "birth_name": "Martin", "sex": "", "birth_date": "1984-05"},
    {"first_names": "Pierre", "birth_name": "Martin ép. Dupont", "birth_date": "1984-12-05"},
    {"first_names": "Martin", "birth_name": "Pierre", "sex": "M", "birth_date": "1984-05-12"},
    {"first_names": "Marie-Anne", "birth_name": "Garcia Lopez", "sex": "F", "birth_date": "1984"},
    {"first_names": "Anne", "birth_name": "Lopez", "usage_name": "Garcia", "sex": "F"},
    {"first_names": "Cathy", "birth_name": "Bertaud", "birth_date": "1984-01-01"},
    {"first_names": "Catherine", "birth_name": "Berteau", "sex": "F", "birth_date": "1985-01-01"},
    {"first_names": "Michel", "birth_name": "Bertot", "sex": "M", "birth_date": "1984-05-13"},
    {"first_names": "Michelle", "birth_name": "Bertot", "sex": "M", "birth_date": "1948-05-12"},
    {"first_names": "Michelle", "birth_name": "Michel", "sex": "F", "birth_date": "1984-06-12"},
    {"first_names": "Nathan Ahmed", "birth_name": "Bernard", "birth_date": "1985-05-12"},
    {"first_names": "Nadhan", "birth_name": "Bernad", "birth_date": "1984-05-12"},
    {"first_names": "Youssef", "birth_name": "Nicolas", "birth_date": ""},
    {"first_names": "Nicolas", "birth_name": "Youssef", "birth_date": "1984-05-12"},
]
PLACES = [
    {"postcode": "75015", "city": "Paris", "address": "12 rue de la Paix", "phone": "0612345678"},
    {"postcode": "75015", "city": "", "address": "12 r de la paix", "phone": "0612345687"},
    {"postcode": "69003", "city": "Lyon", "address": "", "phone": "", "email": "a.b@x.fr"},
    {"postcode": "", "city": "Saint-Etienne", "birth_place": "Lyon", "email": "a.b@y.fr"},
    {"postcode": "42000", "city": "St Etiene", "birth_place": "Lyons", "nir": "184057511512345"},
    {"city": "Toulouse", "birth_place": "31555", "nir": "184057511512354", "email": "c@x.fr"},
]


def _edge_records() -> list:
    out = []
    for k, person in enumerate(EDGE):
        for m, place in enumerate(PLACES):
            out.append({"id": f"e{k:02d}{m}", **person, **place})
    return _as_prepared(out)


def _all_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.triu_indices(n, 1)
    return i.astype(np.int64), j.astype(np.int64)


def _expected(prepared, i, j) -> np.ndarray:
    rows = [compare_levels(prepared[x], prepared[y])[0] for x, y in zip(i, j, strict=True)]
    return np.asarray(rows, dtype=np.int8).reshape(len(rows), 10)


@pytest.fixture(scope="module")
def synthetic():
    records, _ = generate(1500, seed=5)
    prepared = _as_prepared(records)
    return prepared, train(prepared)


def test_levels_of_every_pair_of_edge_records_are_compare_levels():
    prepared = _edge_records()
    e = Encoded(columns(prepared))
    i, j = _all_pairs(len(prepared))
    assert np.array_equal(levels(e, i, j), _expected(prepared, i, j))
    # either order of a pair, and a pair with itself
    assert np.array_equal(levels(e, j, i), _expected(prepared, j, i))
    k = np.arange(len(prepared))
    assert np.array_equal(levels(e, k, k), _expected(prepared, k, k))


def test_levels_of_candidate_and_random_pairs_are_compare_levels(synthetic):
    prepared, _ = synthetic
    n = len(prepared)
    codes = candidate_codes(prepared)
    rng = np.random.default_rng(3)
    i = np.concatenate([codes // n, rng.integers(0, n, 20_000)])
    j = np.concatenate([codes % n, rng.integers(0, n, 20_000)])
    e = Encoded(columns(prepared))
    assert np.array_equal(levels(e, i, j), _expected(prepared, i, j))


@settings(max_examples=60, deadline=None)
@given(st.lists(hypothesis_records, min_size=2, max_size=8))
def test_levels_of_any_records_are_compare_levels(rows):
    prepared = [prepare({"id": str(k), **r}) for k, r in enumerate(rows)]
    i, j = _all_pairs(len(prepared))
    e = Encoded(columns(prepared))
    assert np.array_equal(levels(e, i, j), _expected(prepared, i, j))


def test_pattern_counts_are_those_of_the_tuples():
    lv = np.array([[0, 1], [2, 3], [0, 1]], dtype=np.int8)
    assert pattern_counts(lv) == {(0, 1): 2, (2, 3): 1}
    assert pattern_counts(lv[:0]) == {}


@pytest.mark.parametrize("cut", [0.5, 0.01, 0.99])
def test_score_pairs_gives_the_scores_of_comparing_each_pair(synthetic, cut):
    prepared, model = synthetic
    n = len(prepared)
    codes = candidate_codes(prepared)
    i, j = codes // n, codes % n
    e = encode(prepared, model)
    found = score_pairs(e, model, i, j, cut)
    assert found == compare_pairs(prepared, model, i.tolist(), j.tolist(), cut)
    assert len(found) > 100


@pytest.mark.parametrize("household", [True, False])
def test_score_pairs_of_edge_records_with_several_surnames(household):
    prepared = _edge_records()
    model = Model.default().with_term_frequencies(prepared * 2)
    if not household:
        model = model._copy(household_share=0.0)
    e = encode(prepared, model)
    i, j = _all_pairs(len(prepared))
    for cut in (1e-9, 0.5):
        found = score_pairs(e, model, i, j, cut)
        assert found == compare_pairs(prepared, model, i.tolist(), j.tolist(), cut)


@pytest.mark.parametrize("cap", [300, 2])
def test_household_codes_are_those_of_the_string_keys(synthetic, cap):
    prepared, _ = synthetic
    extra = _edge_records()
    both = _as_prepared([*prepared, *extra])
    expected = candidate_codes(both, cap, (household_key,))
    assert np.array_equal(household_codes(parts_of(both), cap), expected)
    assert len(expected) > (10 if cap > 2 else 0)
