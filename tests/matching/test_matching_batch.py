"""Batch scoring: candidate codes, the vectorised upper bound, the same pairs as comparing all."""

import sys
from pathlib import Path

import numpy as np
import pytest

from hub.matching import blocking_keys, candidate_pairs, compare_levels, deduplicate, prepare, train
from hub.matching.batch import encode, upper_bound
from hub.matching.batch_levels import date_levels as _date_levels
from hub.matching.blocking import KEY_FAMILIES, WIDE_FAMILIES, candidate_codes, stream_candidates
from hub.matching.engine import _as_prepared

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "matching"))
from generate import generate  # noqa: E402


@pytest.fixture(scope="module")
def data():
    records, _ = generate(1500, seed=11)
    prepared = _as_prepared(records)
    return records, prepared, train(prepared)


def test_candidate_codes_are_sorted_distinct_and_the_candidate_pairs(data):
    _, prepared, _ = data
    codes = candidate_codes(prepared)
    assert len(codes) > 1000
    assert (np.diff(codes) > 0).all()
    n = len(prepared)
    assert [(int(c // n), int(c % n)) for c in codes] == candidate_pairs(prepared)
    for code in codes[:: len(codes) // 50]:
        i, j = int(code // n), int(code % n)
        assert i < j and set(blocking_keys(prepared[i])) & set(blocking_keys(prepared[j]))


def test_the_bound_is_never_under_the_weight(data):
    _, prepared, model = data
    n = len(prepared)
    codes = candidate_codes(prepared)
    i, j = codes // n, codes % n
    bound = upper_bound(model, encode(prepared, model), i, j)
    weights = np.array(
        [
            model.weight_of(*compare_levels(prepared[x], prepared[y]))
            for x, y in zip(i, j, strict=True)
        ]
    )
    assert (weights <= bound + 1e-9).all()
    # and it is a useful bound: most candidate pairs are dropped before comparison at 0.5
    assert (bound < 0).mean() > 0.5


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1984-05-12", "1984-05-12"),
        ("1984-01-01", "1984-01-01"),
        ("1984-05", "1984-05"),
        ("1984-05-12", "1984-12-05"),
        ("1984-05-12", "1984-01-01"),
        ("1984-05-12", "1984-05-13"),
        ("1984-05-12", "1948-05-12"),
        ("1984-05-12", "1985-05-12"),
        ("1984-05-12", "1985-06-12"),
        ("1984-05", "1985-05-12"),
        ("1984-05", "1984-06-12"),
        ("1984", "1984-06-12"),
        ("1984-05-12", ""),
        ("1984-05-12", "1994-05-12"),
    ],
)
def test_vectorised_birth_date_levels_are_the_comparators(a, b):
    pa, pb = prepare({"id": "a", "birth_date": a}), prepare({"id": "b", "birth_date": b})
    expected = compare_levels(pa, pb)[0][3]
    e = encode([pa, pb], train([pa, pb]))
    assert _date_levels(e, np.array([0]), np.array([1]))[0] == expected
    assert _date_levels(e, np.array([1]), np.array([0]))[0] == expected


def test_deduplicate_gives_the_pairs_of_comparing_every_candidate(data):
    records, prepared, model = data
    expected = []
    for i, j in candidate_pairs(prepared):
        c = model.compare(prepared[i], prepared[j])
        if c.score >= 0.5:
            expected.append(tuple(sorted((prepared[i].id, prepared[j].id))) + (c.score,))
    got = [(p.id_a, p.id_b, p.score) for p in deduplicate(records, model=model)]
    assert [g[:2] for g in got] == sorted(e[:2] for e in expected)
    assert [g[2] for g in got] == pytest.approx([e[2] for e in sorted(expected)])


def test_streamed_candidates_are_each_pair_sharing_a_usable_key_once(data):
    _, prepared, _ = data
    n = len(prepared)
    expected = set()
    for family in KEY_FAMILIES:
        cap = max(2, 300 // WIDE_FAMILIES.get(family, 1))
        blocks: dict[str, list[int]] = {}
        for i, p in enumerate(prepared):
            for k in set(family(p)):
                blocks.setdefault(k, []).append(i)
        for members in blocks.values():
            if 2 <= len(members) <= cap:
                expected |= {x * n + y for k, x in enumerate(members) for y in members[k + 1 :]}
    streamed = np.concatenate(list(stream_candidates(prepared, 300, chunk=97)))
    assert len(streamed) == len(expected)  # each pair once, across and within families
    assert set(streamed.tolist()) == expected
