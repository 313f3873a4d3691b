"""Twins, siblings, spouses, homonyms and compound first names: what `certain` may promise."""

import pytest

from hub.matching import Model, estimate, prepare
from hub.matching.firstnames import implied_sex, usual_forms
from hub.matching.household import estimate_household_share, household_levels

HOME = {
    "birth_name": "Haddad",
    "birth_date": "1991-03-14",
    "birth_place": "Lille",
    "postcode": "59000",
    "city": "Lille",
    "address": "12 rue Jean Jaurès",
    "phone": "03 20 12 34 56",
}


def person(rid: str, first: str, sex: str, **over) -> dict:
    return {"id": rid, **HOME, "first_names": first, "sex": sex, **over}


@pytest.fixture(scope="module")
def model() -> Model:
    return Model.default()


def compare(model, a: dict, b: dict):
    return model.compare(prepare(a), prepare(b))


def level(c, field: str) -> str:
    return next(e["level"] for e in c.explanation if e["field"] == field)


# --- the first-name table and usual forms ----------------------------------------------------


def test_first_names_imply_a_sex_from_the_insee_table():
    assert implied_sex("MARIE", "MARIE") == "F"
    assert implied_sex("YOUSSEF", "YOUSSEF") == "M"
    assert implied_sex("MICHELLE", "MICHELLE") == "F"
    # epicene names imply nothing; a compound implies its own sex, else its first part's
    assert implied_sex("CAMILLE", "CAMILLE") == ""
    assert implied_sex("DOMINIQUE", "DOMINIQUE") == ""
    assert implied_sex("JEANMARIE", "JEAN") == "M"
    assert implied_sex("ZZYXQ", "ZZYXQ") == ""


def test_usual_forms_link_a_short_form_to_its_civil_names_only():
    assert "CATHERINE" in usual_forms(("CATHY",), "CATHY")
    assert {"MOHAMED", "MOHAMMED"} <= usual_forms(("MOHAMMED",), "MOHAMMED")
    assert usual_forms(("PAUL",), "PAUL") == frozenset()
    # CHRISTOPHE and CHRISTINE are both CHRIS, not each other
    assert "CHRISTINE" not in usual_forms(("CHRISTOPHE",), "CHRISTOPHE")


# --- first-name levels -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Jean-Pierre", "Pierre", "partial"),
        ("Marie-Anne", "Anne", "partial"),
        ("Marie, Claire, Sophie", "Claire", "partial"),
        ("Jean-Pierre", "Jean", "partial"),
        ("Jean-Pierre", "Jean-Marc", "different"),
        ("Nathan, Ahmed", "Nadhan", "typo"),
        ("Marie-Christine", "Chirstine", "typo"),
        ("Cathy", "Catherine", "usual_form"),
        ("Mohammed", "Mohamed", "usual_form"),
        ("Youssef", "Michelle", "different_sex"),
        ("Jean", "Jeanne", "different_sex"),
        ("Michel", "Michelle", "different_sex"),
        ("Christophe", "Christine", "different_sex"),
        ("Lucas", "Hugo", "different"),
        ("Agnès", "Anne-Marie", "different"),
        ("Emilie Manon", "Camille Marie", "different"),
    ],
)
def test_first_names_are_compared_part_by_part_and_by_sex(model, a, b, expected):
    c = compare(model, person("a", a, ""), person("b", b, ""))
    assert level(c, "first_names") == expected


def test_names_of_two_sexes_with_one_recorded_sex_are_a_misspelling(model):
    # both records say M: MICHELLE is taken as a misspelt MICHEL, not as a woman
    c = compare(model, person("a", "Michel", "M"), person("b", "Michelle", "M"))
    assert level(c, "first_names") == "typo"


def test_a_missing_sex_is_read_from_the_first_name(model):
    c = compare(model, person("a", "Marie", ""), person("b", "Marie", "M"))
    assert level(c, "sex") == "different"
    c = compare(model, person("a", "Camille", ""), person("b", "Camille", "M"))
    assert level(c, "sex") == "missing"


def test_swapped_first_name_and_surname_are_recognised(model):
    a = person("a", "Martin", "M", birth_name="Thomas")
    b = person("b", "Thomas", "M", birth_name="Martin")
    c = compare(model, a, b)
    assert (level(c, "first_names"), level(c, "surname")) == ("swapped", "swapped")
    assert c.grade is not None


def test_a_first_name_crossed_with_the_other_surname_is_its_own_level(model):
    # FEBRL's pattern: names exchanged, then one of them replaced (RAQUEL / BEADLE)
    a = person("a", "Wztkin", "", birth_name="Raquel")
    b = person("b", "Raquel", "", birth_name="Beadle")
    c = compare(model, a, b)
    assert (level(c, "surname"), level(c, "first_names")) == ("different", "crossed")
    assert c.score > compare(model, a, person("b", "Tommy", "", birth_name="Beadle")).score
    # siblings share a surname, not a first name with the other's surname
    c = compare(model, person("a", "Lucas", "M"), person("b", "Hugo", "M"))
    assert level(c, "first_names") == "different"


def test_a_crossed_first_name_keeps_the_cold_start_m_through_training():
    records = [prepare(r) for k in range(40) for r in _family(k)]
    m = estimate(records, [(i, i + 1) for i in range(len(records) - 1)])
    i = [*Model.default().to_dict()["comparisons"]["first_names"]].index("crossed")
    assert m.m["first_names"][i] == pytest.approx(Model.default().m["first_names"][i])


# --- households: twins, siblings, spouses --------------------------------------------------------


def test_twins_of_two_sexes_are_not_one_person(model):
    c = compare(model, person("a", "Youssef", "M"), person("b", "Michelle", "F"))
    assert c.grade is None
    c = compare(model, person("a", "Jean", "M"), person("b", "Jeanne", "F"))
    assert c.grade is None


def test_twins_of_one_sex_are_never_certain(model):
    c = compare(model, person("a", "Lucas", "M"), person("b", "Hugo", "M"))
    assert c.grade != "certain"
    # the household hypothesis is what takes the weight away, and the explanation says so
    household = [e for e in c.explanation if e["field"] == "household"]
    assert household and household[0]["weight"] < 0


def test_the_same_person_under_two_first_names_is_certain_with_an_identifier(model):
    # a usual name for the civil one: only an identifier can make this safe to act on
    nir = {"nir": "1 91 03 59 350 123 45"}
    c = compare(model, person("a", "Lucas", "M", **nir), person("b", "Hugo", "M", **nir))
    assert c.grade == "certain"


def test_a_sibling_is_not_a_match(model):
    c = compare(
        model, person("a", "Lucas", "M"), person("b", "Sarah", "F", birth_date="1994-08-02")
    )
    assert c.grade is None


def test_spouses_sharing_a_usage_name_are_not_a_match(model):
    husband = person("a", "Karim", "M", birth_date="1960-05-02")
    wife = person("b", "Fatima", "F", birth_date="1962-11-20", birth_name="Benali épouse Haddad")
    assert compare(model, husband, wife).grade is None


def test_a_homonym_at_the_same_postcode_is_not_certain(model):
    a = person("a", "Jean", "M", birth_date="1955-02-03", address="4 place Carnot", phone="")
    b = person("b", "Jean", "M", birth_date="1988-10-21", phone="")
    assert compare(model, a, b).grade != "certain"


@pytest.mark.parametrize(("a", "b"), [("Jean-Pierre", "Pierre"), ("Marie-Anne", "Anne")])
def test_a_compound_first_name_cut_to_one_part_stays_certain(model, a, b):
    nir = {"nir": "2 91 03 59 350 123 45", "email": "x.haddad@example.fr"}
    c = compare(model, person("a", a, "", **nir), person("b", b, "", **nir))
    assert c.grade == "certain"


def test_identical_records_stay_certain(model):
    assert compare(model, person("a", "Lucas", "M"), person("b", "Lucas", "M")).grade == "certain"


# --- the household share -------------------------------------------------------------------------


def _family(k: int) -> list[dict]:
    """Parents and two children at one address (other first names, other birth dates)."""
    home = {"postcode": "59000", "city": "Lille", "address": f"{k} rue Pasteur"}
    rows = [
        ("Karim", "M", "1960-05-02"),
        ("Fatima", "F", "1962-11-20"),
        ("Sarah", "F", "1990-01-15"),
        ("Youssef", "M", "1993-07-30"),
    ]
    return [
        {"id": f"f{k}-{i}", "first_names": f, "sex": s, "birth_date": d, "birth_name": f"N{k}"}
        | home
        for i, (f, s, d) in enumerate(rows)
    ]


def test_household_share_is_counted_on_the_records(model):
    families = [prepare(r) for k in range(20) for r in _family(k)]
    h = household_levels(model.m, model.u, model.sharing)
    share = estimate_household_share(families, model.m, h, model.prior, 300)
    assert share > 0
    # the same people, each at an address of their own: no household
    apart = [
        prepare(r | {"address": f"{r['id']} avenue Foch"}) for k in range(20) for r in _family(k)
    ]
    assert estimate_household_share(apart, model.m, h, model.prior, 300) == 0.0


def test_a_trained_model_carries_its_household_share_through_serialisation():
    records = [prepare(r) for k in range(40) for r in _family(k)]
    m = estimate(records, [(i, i + 1) for i in range(len(records) - 1)])
    again = Model.from_dict(m.to_dict())
    assert again.household_share == pytest.approx(m.household_share)
    assert again.sharing == m.sharing


def test_a_model_saved_before_the_new_first_name_levels_still_loads(model):
    doc = model.to_dict()
    for lvl in ("usual_form", "different_sex"):
        del doc["comparisons"]["first_names"][lvl]
    del doc["household"]
    old = Model.from_dict(doc)
    assert sum(old.m["first_names"]) == pytest.approx(1.0)
    assert old.compare(prepare(person("a", "Lucas", "M")), prepare(person("b", "Lucas", "M")))
