"""Property-based checks: symmetry, idempotence, bounds."""

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.matching import Model, blocking_keys, prepare
from hub.matching.normalize import (
    fold,
    normalize_address,
    normalize_city,
    normalize_email,
    normalize_nir,
    normalize_phone,
    normalize_postcode,
)
from hub.matching.phonetic import phonetic

MODEL = Model.default()
letters = st.text(alphabet=string.ascii_letters + "éèàçôÉÈ-' ", max_size=20)
dates = st.one_of(
    st.just(""),
    st.builds(lambda y: f"{y:04d}", st.integers(1900, 2020)),
    st.builds(
        lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
        st.integers(1900, 2020),
        st.integers(1, 12),
        st.integers(1, 28),
    ),
)
records = st.fixed_dictionaries(
    {
        "first_names": letters,
        "birth_name": letters,
        "usage_name": st.one_of(st.just(""), letters),
        "sex": st.sampled_from(["", "F", "M", "X"]),
        "birth_date": dates,
        "postcode": st.sampled_from(["", "75015", "75011", "69003", "31000"]),
        "city": st.sampled_from(["", "Paris", "Lyon 3e", "Toulouse"]),
        "phone": st.sampled_from(["", "0612345678", "+33 6 12 34 56 78", "0700000000"]),
        "nir": st.sampled_from(["", "184057511512345", "284052A00412345"]),
    }
)


@settings(max_examples=300, deadline=None)
@given(records, records)
def test_compare_is_symmetric(a, b):
    pa, pb = prepare({"id": "a", **a}), prepare({"id": "b", **b})
    assert MODEL.compare(pa, pb) == MODEL.compare(pb, pa)


@settings(max_examples=200, deadline=None)
@given(records)
def test_score_is_a_probability_and_a_record_matches_itself_best(a):
    p = prepare({"id": "a", **a})
    c = MODEL.compare(p, p)
    assert 0.0 <= c.score <= 1.0
    # every field agrees with itself; only the household hypothesis (a relative sharing what
    # little the record holds) may take weight away
    assert all(e["weight"] >= 0 for e in c.explanation if e["field"] != "household")


@settings(max_examples=200, deadline=None)
@given(records)
def test_blocking_keys_are_deterministic(a):
    assert blocking_keys(prepare({"id": "a", **a})) == blocking_keys(prepare({"id": "b", **a}))


@given(st.text(max_size=40))
def test_normalisation_is_idempotent(text):
    for f in (fold, normalize_city, normalize_address, normalize_email, normalize_nir):
        assert f(f(text)) == f(text)
    assert normalize_phone(normalize_phone(text)) == normalize_phone(text)
    assert normalize_postcode(normalize_postcode(text)) == normalize_postcode(text)


@given(st.text(alphabet=string.ascii_uppercase, max_size=15))
def test_phonetic_key_is_stable_and_uppercase(word):
    key = phonetic(word)
    assert key == phonetic(word)
    assert key == key.upper()
