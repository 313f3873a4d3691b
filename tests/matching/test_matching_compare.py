"""Comparator levels on pairs of records."""

import pytest

from hub.matching import LEVELS, compare_levels, prepare

FIELDS = list(LEVELS)


def level(field: str, a: dict, b: dict) -> str:
    levels, _, _ = compare_levels(prepare({"id": "a", **a}), prepare({"id": "b", **b}))
    return LEVELS[field][levels[FIELDS.index(field)]]


def test_married_name_matches_birth_name_in_other_record():
    a = {"birth_name": "Dupont", "usage_name": "Martin"}
    assert level("surname", a, {"birth_name": "Martin"}) == "exact"
    assert level("surname", a, {"birth_name": "DUPONT"}) == "exact"


def test_epouse_marker_inside_birth_name_field_matches_usage_name():
    assert (
        level("surname", {"birth_name": "Dupont ép. Martin"}, {"usage_name": "Martin"}) == "exact"
    )


def test_particle_spellings_match():
    assert level("surname", {"birth_name": "De La Fontaine"}, {"birth_name": "FONTAINE"}) == "exact"


def test_glued_particle_matches_through_containment():
    assert (
        level("surname", {"birth_name": "Lafontaine"}, {"birth_name": "de la Fontaine"})
        == "partial"
    )


def test_compound_surname_matches_one_of_its_parts():
    assert level("surname", {"birth_name": "Garcia Lopez"}, {"birth_name": "Lopez"}) == "partial"


def test_phonetic_spelling_of_surname():
    assert level("surname", {"birth_name": "Bertaud"}, {"birth_name": "Berteau"}) == "phonetic"


def test_one_letter_typo_in_surname():
    assert level("surname", {"birth_name": "Lambert"}, {"birth_name": "Lamvert"}) == "typo"


def test_unrelated_surnames_are_different():
    assert level("surname", {"birth_name": "Dupont"}, {"birth_name": "Nguyen"}) == "different"


def test_missing_surname_is_missing():
    assert level("surname", {"birth_name": ""}, {"birth_name": "Nguyen"}) == "missing"


@pytest.mark.parametrize("other", ["Jean Pierre", "JEANPIERRE", "jean-pierre"])
def test_compound_first_name_spellings_are_exact(other):
    assert level("first_names", {"first_names": "Jean-Pierre"}, {"first_names": other}) == "exact"


def test_first_part_of_compound_first_name_is_partial():
    assert (
        level("first_names", {"first_names": "Jean-Pierre"}, {"first_names": "Jean"}) == "partial"
    )


def test_second_given_name_is_partial():
    assert (
        level("first_names", {"first_names": "Marie Claire"}, {"first_names": "Claire"})
        == "partial"
    )


def test_first_name_and_surname_swapped():
    a = {"first_names": "Martin", "birth_name": "Bernard"}
    b = {"first_names": "Bernard", "birth_name": "Martin"}
    assert level("surname", a, b) == "swapped"
    assert level("first_names", a, b) == "swapped"


def test_unrelated_names_are_not_swapped():
    a = {"first_names": "Guillaume", "birth_name": "Perez"}
    b = {"first_names": "Pierre", "birth_name": "Guillaume"}
    assert level("surname", a, b) != "swapped"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1984-05-12", "1984-05-12", "exact"),
        ("1984-05-12", "1984-12-05", "day_month_swapped"),
        ("1984-05-12", "1984-05-13", "typo"),
        ("1984-05-12", "1985-05-12", "typo"),
        ("1984-05-12", "1983-05-12", "typo"),
        ("1980-05-12", "1979-05-12", "year_off_by_one"),
        ("1984-05-12", "1984", "partial"),
        ("1984-05-12", "1984-05", "partial"),
        ("1984-05", "1984-06", "different"),
        ("1984-01-01", "1984-01-01", "exact_placeholder"),
        ("1984-01-01", "1984-07-23", "partial"),
        ("1984-05-12", "1962-11-30", "different"),
        ("1984-05-12", "", "missing"),
    ],
)
def test_birth_date_levels(a, b, expected):
    assert level("birth_date", {"birth_date": a}, {"birth_date": b}) == expected


def test_paris_arrondissements_are_the_same_city():
    a = {"postcode": "75015", "city": "Paris 15e"}
    b = {"postcode": "75011", "city": "PARIS"}
    assert level("city", a, b) == "same_city"


def test_same_postcode_and_city_is_exact():
    assert (
        level("city", {"postcode": "31000", "city": "Toulouse"}, {"postcode": "31000"}) == "exact"
    )


def test_abbreviated_street_type_is_fuzzy_or_exact():
    a = {"address": "12 bd Voltaire"}
    b = {"address": "12 boulevard Voltaire"}
    assert level("address", a, b) == "exact"


def test_phone_in_international_format_is_exact():
    assert level("phone", {"phone": "+33 6 12 34 56 78"}, {"phone": "06.12.34.56.78"}) == "exact"


def test_email_case_is_ignored():
    assert level("email", {"email": "A.B@X.FR"}, {"email": "a.b@x.fr"}) == "exact"


def test_nir_one_digit_typo():
    assert level("nir", {"nir": "184057511512345"}, {"nir": "184057511512845"}) == "typo"


def test_opaque_nir_token_compares_exactly():
    token = "9f2c" * 16
    assert level("nir", {"nir": token}, {"nir": token}) == "exact"
    assert level("nir", {"nir": token}, {"nir": "0" + token[1:]}) != "exact"


def test_sex_x_counts_as_missing():
    assert level("sex", {"sex": "X"}, {"sex": "F"}) == "missing"
    assert level("sex", {"sex": "M"}, {"sex": "F"}) == "different"
