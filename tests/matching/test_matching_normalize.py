"""Normalisation of French identity fields."""

import pytest

from hub.matching import nir_is_valid, prepare
from hub.matching.normalize import (
    commune_key,
    fold,
    normalize_city,
    normalize_email,
    normalize_phone,
    normalize_place,
    normalize_postcode,
    parse_birth_date,
    split_name_markers,
    surname_key,
)
from hub.matching.phonetic import phonetic


def _nir_with_key(body: str) -> str:
    """Append the control key computed the documented way (independent of the code)."""
    digits = body.replace("2A", "19").replace("2B", "18")
    return f"{body}{97 - int(digits) % 97:02d}"


def test_fold_removes_accents_case_and_punctuation():
    assert fold("  Hélène-Françoise d'Œuvray ") == "HELENE FRANCOISE D OEUVRAY"


@pytest.mark.parametrize("raw", ["St-Étienne", "SAINT ETIENNE", "saint-étienne", "St Etienne"])
def test_saint_abbreviations_expand(raw):
    assert normalize_city(raw) == "SAINT ETIENNE"


def test_ste_expands_to_sainte():
    assert fold("Ste Marie") == "SAINTE MARIE"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dupont épouse Martin", ("DUPONT", "MARTIN")),
        ("DUPONT ép. MARTIN", ("DUPONT", "MARTIN")),
        ("Dupont EPSE Martin", ("DUPONT", "MARTIN")),
        ("Martin née Dupont", ("DUPONT", "MARTIN")),
        ("Dupont vve Martin", ("DUPONT", "MARTIN")),
        ("veuve Martin", ("", "MARTIN")),
        ("Dupont", ("DUPONT", "")),
    ],
)
def test_civil_status_markers_split_birth_and_usage_names(text, expected):
    assert split_name_markers(text) == expected


@pytest.mark.parametrize("raw", ["de la Fontaine", "DE LA FONTAINE", "Fontaine", "du Fontaine"])
def test_particles_are_dropped_from_surnames(raw):
    assert surname_key(raw) == "FONTAINE"


def test_apostrophe_particle_is_dropped():
    assert surname_key("D'Artagnan") == surname_key("Artagnan") == "ARTAGNAN"


def test_a_surname_made_only_of_particles_is_kept():
    assert surname_key("Le") == "LE"


@pytest.mark.parametrize("raw", ["Jean-Pierre", "JEAN PIERRE", "jeanpierre", "Jean  Pierre"])
def test_compound_first_name_spellings_share_one_key(raw):
    assert prepare({"id": "1", "first_names": raw}).first == "JEANPIERRE"


def test_married_name_in_one_record_and_birth_name_in_other_are_both_known():
    p = prepare({"id": "1", "birth_name": "Dupont", "usage_name": "Martin"})
    q = prepare({"id": "2", "birth_name": "Martin née Dupont"})
    assert set(p.surnames) == set(q.surnames) == {"DUPONT", "MARTIN"}


@pytest.mark.parametrize(
    ("postcode", "city"),
    [("75015", ""), ("75116", "Paris"), ("75001", "PARIS 1ER"), ("", "Paris 15e"), ("", "PARIS")],
)
def test_paris_arrondissements_normalise_to_paris(postcode, city):
    assert commune_key(postcode, city) == "PARIS"


@pytest.mark.parametrize(("code", "city"), [("69003", "LYON"), ("13016", "MARSEILLE")])
def test_lyon_and_marseille_postcodes_normalise_to_the_city(code, city):
    assert commune_key(code, "") == city


@pytest.mark.parametrize(
    ("insee", "city"), [("75115", "PARIS"), ("69383", "LYON"), ("13205", "MARSEILLE")]
)
def test_arrondissement_insee_codes_normalise_to_the_city(insee, city):
    assert normalize_place(insee) == city


def test_ordinary_insee_code_is_kept():
    assert normalize_place("31555") == "31555"
    assert normalize_place("2A004") == "2A004"


def test_postcode_restores_lost_leading_zero():
    assert normalize_postcode("1000") == "01000"
    assert normalize_postcode("abc") == ""


@pytest.mark.parametrize(
    "raw",
    ["06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678", "+33 (0)6 12 34 56 78", "612345678"],
)
def test_french_phone_formats_normalise_to_ten_digits(raw):
    assert normalize_phone(raw) == "0612345678"


def test_foreign_phone_is_kept_as_digits():
    assert normalize_phone("+32 470 12 34 56") == "32470123456"


def test_email_is_trimmed_and_lower_cased():
    assert normalize_email("  Jean.Dupont@Example.FR ") == "jean.dupont@example.fr"
    assert normalize_email("not an email") == ""


def test_nir_with_right_key_is_valid():
    nir = _nir_with_key("1840575115123")
    assert nir_is_valid(nir)
    assert nir_is_valid(f"{nir[0]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:]}")


def test_nir_with_wrong_key_is_invalid():
    nir = _nir_with_key("1840575115123")
    wrong = f"{(int(nir[13:]) % 97) + 1:02d}"
    assert not nir_is_valid(nir[:13] + wrong)


@pytest.mark.parametrize("dept", ["2A", "2B"])
def test_corsican_nir_key_uses_19_and_18(dept):
    nir = _nir_with_key(f"28402{dept}004123")
    assert nir_is_valid(nir)
    other = "2B" if dept == "2A" else "2A"
    assert not nir_is_valid(nir.replace(dept, other))


@pytest.mark.parametrize("raw", ["", "123", "1840575115123", "18405751151234X"])
def test_malformed_nir_is_invalid(raw):
    assert not nir_is_valid(raw)


def test_nir_is_normalised_in_prepared_record():
    assert prepare({"id": "1", "nir": "1 84 05 75 115 123 45"}).nir == "184057511512345"


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("1984-05-12", (1984, 5, 12)),
        ("1984-05", (1984, 5, 0)),
        ("1984", (1984, 0, 0)),
        ("", (0, 0, 0)),
    ],
)
def test_birth_date_precisions(raw, parts):
    assert parse_birth_date(raw) == parts


@pytest.mark.parametrize("raw", ["12/05/1984", "1984-13-01", "1984-02-32", "84", "1984-5-1"])
def test_malformed_birth_date_is_rejected(raw):
    with pytest.raises(ValueError):
        parse_birth_date(raw)


@pytest.mark.parametrize(
    "group",
    [
        ("BERTAUD", "BERTEAU", "BERTOT"),
        ("DUPONT", "DUPOND"),
        ("PHILIPPE", "FILIPE"),
        ("CATHERINE", "KATHERINE"),
        ("GAUTHIER", "GAUTIER"),
        ("ROUSSEAU", "ROUSSO"),
        ("MARTIN", "MARTAIN"),
    ],
)
def test_french_homophones_share_a_phonetic_key(group):
    assert len({phonetic(w) for w in group}) == 1


@pytest.mark.parametrize(
    ("a", "b"), [("JEAN", "JEANNE"), ("MARTIN", "MARTINE"), ("DUPONT", "DURAND")]
)
def test_different_sounding_names_get_different_phonetic_keys(a, b):
    assert phonetic(a) != phonetic(b)
