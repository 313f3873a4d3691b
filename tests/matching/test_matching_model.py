"""Fellegi-Sunter scoring, explanation, serialisation, training, deduplication."""

import json
import sys
from pathlib import Path

import pytest

from hub.matching import (
    COMPARISONS,
    Model,
    Pair,
    blocking_keys,
    candidate_pairs,
    deduplicate,
    estimate,
    prepare,
    train,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "matching"))
from generate import generate  # noqa: E402

BASE = {
    "first_names": "Marie-Claire",
    "birth_name": "Lefebvre",
    "sex": "F",
    "birth_date": "1984-05-12",
    "birth_place": "Lille",
    "postcode": "59000",
    "city": "Lille",
    "address": "12 rue Jean Jaurès",
    "phone": "06 12 34 56 78",
    "email": "mc.lefebvre@example.fr",
}


def rec(rid: str, **over) -> dict:
    return {"id": rid, **BASE, **over}


@pytest.fixture(scope="module")
def model() -> Model:
    return Model.default()


def score(model: Model, a: dict, b: dict) -> float:
    return model.compare(prepare(a), prepare(b)).score


def test_identical_records_are_certain(model):
    c = model.compare(prepare(rec("a")), prepare(rec("b")))
    assert c.grade == "certain"
    assert c.score > 0.99


def test_unrelated_people_are_not_graded(model):
    other = {
        "id": "b",
        "first_names": "Karim",
        "birth_name": "Haddad",
        "sex": "M",
        "birth_date": "1950-11-30",
        "postcode": "13001",
        "city": "Marseille",
    }
    c = model.compare(prepare(rec("a")), prepare(other))
    assert c.grade is None
    assert c.score < 0.01


@pytest.mark.parametrize(
    ("weaker", "stronger"),
    [
        ({"birth_date": "1962-11-30"}, {"birth_date": "1984-12-05"}),
        ({"birth_date": "1984-12-05"}, {}),
        ({"birth_name": "Nguyen"}, {"birth_name": "Lefevre"}),
        ({"birth_name": "Lefevre"}, {}),
        ({"first_names": "Sophie"}, {"first_names": "Marie"}),
        ({"phone": "07 00 00 00 00"}, {}),
    ],
)
def test_more_agreement_never_lowers_the_score(model, weaker, stronger):
    a = rec("a")

    def weight(over: dict) -> float:
        return model.compare(prepare(a), prepare({**a, "id": "b", **over})).weight

    assert weight(weaker) < weight(stronger)


def test_a_missing_field_weighs_nothing(model):
    c = model.compare(prepare(rec("a", nir="")), prepare(rec("b", nir="184057511512345")))
    nir = next(e for e in c.explanation if e["field"] == "nir")
    assert nir == {"field": "nir", "level": "missing", "weight": 0.0}


def test_explanation_names_every_field_and_level(model):
    a = prepare(rec("a"))
    b = prepare(rec("b", birth_date="1984-12-05", birth_name="Lefevre", phone=""))
    c = model.compare(a, b)
    by_field = {e["field"]: e for e in c.explanation}
    fields = [e["field"] for e in c.explanation]
    # one entry per field, then the weight the household hypothesis takes away, if any
    assert fields[: len(COMPARISONS)] == [name for name, _ in COMPARISONS]
    assert fields[len(COMPARISONS) :] in ([], ["household"])
    assert by_field["birth_date"]["level"] == "day_month_swapped"
    assert by_field["surname"]["level"] == "phonetic"
    assert by_field["phone"]["level"] == "missing"
    assert by_field["first_names"]["weight"] > 0
    assert sum(e["weight"] for e in c.explanation) == pytest.approx(
        c.weight - model.pattern_weight((0,) * 0 or tuple(len(lv) - 1 for _, lv in COMPARISONS)),
        abs=0.1,
    )


def test_common_surname_weighs_less_than_rare_surname():
    people = [
        {"id": f"m{i}", "birth_name": "Martin", "first_names": f"P{i}"} for i in range(200)
    ] + [{"id": "r1", "birth_name": "Zyskowicz", "first_names": "Ana"}]
    model = Model.default().with_term_frequencies(prepare(p) for p in people)
    common = model.compare(
        prepare(rec("a", birth_name="Martin")), prepare(rec("b", birth_name="Martin"))
    )
    rare = model.compare(
        prepare(rec("a", birth_name="Zyskowicz")), prepare(rec("b", birth_name="Zyskowicz"))
    )
    w = {
        c: next(e["weight"] for e in x.explanation if e["field"] == "surname")
        for c, x in (("common", common), ("rare", rare))
    }
    assert w["common"] < w["rare"]


def test_model_round_trips_through_json():
    recs, _ = generate(600, seed=3)
    model = train(recs)
    again = Model.from_dict(json.loads(json.dumps(model.to_dict())))
    a, b = prepare(recs[0]), prepare(recs[1])
    assert again.compare(a, b) == model.compare(a, b)


def test_malformed_model_document_is_rejected():
    with pytest.raises(ValueError):
        Model.from_dict({"prior": 0.1})


def test_grades_follow_thresholds():
    model = Model.default()
    assert model.grade(0.995) == "certain"
    assert model.grade(0.95) == "probable"
    assert model.grade(0.6) == "possible"
    assert model.grade(0.2) is None


def test_blocking_keys_are_stable_strings():
    keys = blocking_keys(prepare(rec("a")))
    assert keys == sorted(set(keys))
    assert any(k.startswith("pn:") and k.endswith(":1984") for k in keys)
    assert "tel:0612345678" in keys
    assert "em:mc.lefebvre@example.fr" in keys


def test_swapped_names_and_wrong_date_still_share_a_blocking_key():
    a = prepare(rec("a"))
    b = prepare(
        rec(
            "b",
            first_names="Lefebvre",
            birth_name="Marie-Claire",
            birth_date="1948-05-12",
            phone="",
            email="",
            postcode="",
            city="",
            address="",
        )
    )
    assert set(blocking_keys(a)) & set(blocking_keys(b))


def test_huge_blocks_are_skipped():
    people = [prepare({"id": str(i), "phone": "0100000000"}) for i in range(50)]
    assert candidate_pairs(people, max_block_size=100)
    assert candidate_pairs(people, max_block_size=10) == []


@pytest.fixture(scope="module")
def synthetic():
    records, truth = generate(2000, seed=7)
    true_pairs = set()
    by_entity: dict[int, list[str]] = {}
    for rid, e in truth.items():
        by_entity.setdefault(e, []).append(rid)
    for ids in by_entity.values():
        ids.sort()
        true_pairs |= {(x, y) for i, x in enumerate(ids) for y in ids[i + 1 :]}
    return records, true_pairs


def test_blocking_recall_on_generated_duplicates(synthetic):
    records, true_pairs = synthetic
    prepared = [prepare(r) for r in records]
    ids = [p.id for p in prepared]
    found = {tuple(sorted((ids[i], ids[j]))) for i, j in candidate_pairs(prepared)}
    assert len(found & true_pairs) / len(true_pairs) > 0.99
    assert len(found) < 20 * len(records)  # near-linear


@pytest.fixture(scope="module")
def deduplicated(synthetic):
    return deduplicate(synthetic[0])


def test_deduplicate_finds_generated_duplicates(synthetic, deduplicated):
    records, true_pairs = synthetic
    pred = {(p.id_a, p.id_b) for p in deduplicated}
    tp = len(pred & true_pairs)
    assert tp / len(pred) > 0.9
    assert tp / len(true_pairs) > 0.95


def test_deduplicate_is_deterministic_and_sorted(synthetic, deduplicated):
    records, _ = synthetic
    first = deduplicated
    second = deduplicate(list(reversed(records)))
    assert first == second
    assert first == sorted(first)
    assert all(p.id_a < p.id_b for p in first)
    assert all(
        isinstance(p, Pair) and p.grade in {"certain", "probable", "possible"} for p in first
    )


def test_training_is_deterministic_whatever_the_input_order(synthetic):
    records, _ = synthetic
    assert train(records).to_dict() == train(list(reversed(records))).to_dict()


def test_estimate_learns_from_given_pairs(synthetic):
    records, _ = synthetic
    prepared = [prepare(r) for r in records]
    model = estimate(prepared, candidate_pairs(prepared))
    default = Model.default()
    assert model.to_dict()["comparisons"] != default.to_dict()["comparisons"]
    assert 0 < model.prior < 0.01


def test_threshold_filters_pairs(synthetic, deduplicated):
    records, _ = synthetic
    loose = deduplicated
    strict = deduplicate(records, threshold=0.999)
    assert {(p.id_a, p.id_b) for p in strict} < {(p.id_a, p.id_b) for p in loose}
    assert all(p.score >= 0.999 for p in strict)


def test_duplicated_id_is_rejected():
    with pytest.raises(ValueError, match="duplicated"):
        deduplicate([rec("a"), rec("a")])


def test_small_file_uses_the_cold_start_model():
    pairs = deduplicate(
        [
            rec("a"),
            rec("b", phone="+33612345678"),
            rec(
                "c",
                first_names="Paul",
                birth_name="Durand",
                sex="M",
                birth_date="1950-01-02",
                phone="",
                email="",
                address="",
            ),
        ]
    )
    assert [(p.id_a, p.id_b, p.grade) for p in pairs] == [("a", "b", "certain")]


def test_relative_at_the_same_address_is_not_proposed(model):
    parent = rec("a", first_names="Jean", sex="M", birth_date="1950-03-02", email="")
    child = rec(
        "b", first_names="Lucas", sex="M", birth_date="1980-07-19", email="", birth_place="Roubaix"
    )
    assert model.compare(prepare(parent), prepare(child)).grade is None


def test_household_fields_count_once_when_first_names_differ(model):
    a = prepare(rec("a", first_names="Jean", sex="M", email=""))
    b = prepare(rec("b", first_names="Lucas", sex="M", email=""))
    by_field = {e["field"]: e for e in model.compare(a, b).explanation}
    household = [by_field[f] for f in ("city", "address", "phone")]
    assert [e["level"] for e in household] == ["exact", "exact", "exact"]
    assert sum(1 for e in household if e["weight"] > 0) == 1


def test_household_fields_add_up_when_first_names_agree(model):
    c = model.compare(prepare(rec("a", email="")), prepare(rec("b", email="")))
    by_field = {e["field"]: e for e in c.explanation}
    assert all(by_field[f]["weight"] > 0 for f in ("city", "address", "phone"))


def test_emails_one_character_apart_are_different_people(model):
    c = model.compare(
        prepare({"id": "a", "email": "marie.martin12@example.fr"}),
        prepare({"id": "b", "email": "marie.martin13@example.fr"}),
    )
    assert next(e for e in c.explanation if e["field"] == "email")["level"] == "different"


@pytest.mark.parametrize("workers", [2, 3])
def test_worker_processes_give_the_same_pairs(synthetic, deduplicated, monkeypatch, workers):
    import hub.matching.batch_run as batch_run
    import hub.matching.batch_tasks as batch_tasks

    monkeypatch.setattr(batch_run, "PARALLEL_MIN_RECORDS", 1)
    monkeypatch.setattr(batch_tasks, "CHUNK_PAIRS", 64)  # many tasks, shared by all
    assert deduplicate(synthetic[0], workers=workers) == deduplicated


def test_a_failing_worker_is_an_error_not_a_wait():
    from hub.matching.batch_pool import Pool
    from hub.matching.batch_shared import SharedDir

    shared = SharedDir()
    pool = Pool(2, shared)
    try:
        spec = {"families": [], "encoded": {"x": str(shared.path / "none.npy")}, "records": ()}
        pool.inbox.put(("run", spec, Model.default(), 0.5, [(0, 0, 1)]))
        with pytest.raises(RuntimeError, match="a batch worker failed"):
            list(pool.results_of(block=True))
    finally:
        pool.close()
        shared.remove()
