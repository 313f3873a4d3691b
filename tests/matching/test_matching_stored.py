"""Stored features: what ``prepare`` gives, kept as JSON and read back unchanged."""

import json

import pytest

from hub.matching import prepare, stored

RECORDS = [
    {"id": "1"},
    {
        "id": "2",
        "first_names": "Jean-Pierre Marie",
        "birth_name": "de La Fontaine",
        "usage_name": "épouse Martin",
        "sex": "M",
        "birth_date": "1984-03",
        "birth_place": "Saint-Étienne",
        "postcode": "69003",
        "city": "Lyon",
        "address": "3 bis rue de la Paix",
        "phone": "+33 6 12 34 56 78",
        "email": "Jean.Pierre@Example.org",
        "nir": "1840369123456",
    },
    {"id": "3", "first_names": "Chloé", "birth_name": "N'Diaye", "birth_date": "1990"},
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r["id"])
def test_stored_features_read_back_as_prepared(record):
    prepared = prepare(record)
    row = json.loads(json.dumps(stored.dump(prepared)))
    assert stored.load(record["id"], row) == prepared


def test_stored_features_of_another_shape_are_refused():
    with pytest.raises(ValueError):
        stored.load("1", ["too", "short"])
