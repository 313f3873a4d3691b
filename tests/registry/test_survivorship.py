"""Survivorship keeps the better value: agreement, trust, precision, spelling; whole addresses."""

import datetime as dt
import uuid
from types import SimpleNamespace

from hub.registry.golden import survive

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def record(org: str, payload: dict, *, trust: int = 50, days_ago: int = 0):
    return SimpleNamespace(
        id=uuid.uuid4(),
        organization_id=org,
        organization=SimpleNamespace(trust_level=trust),
        payload=payload,
        nir_hash="",
        updated_at=NOW - dt.timedelta(days=days_ago),
    )


def test_three_partners_agreeing_are_not_overruled_by_a_newer_more_trusted_typo():
    records = [
        record("a", {"birth_name": "Martin", "birth_date": "1984-03-12"}, days_ago=30),
        record("b", {"birth_name": "MARTIN", "birth_date": "1984-03-12"}, days_ago=20),
        record("c", {"birth_name": "martin", "birth_date": "1984-03-12"}, days_ago=10),
        record("d", {"birth_name": "Matrin", "birth_date": "1984-12-03"}, trust=90),
    ]
    golden = survive(records)
    assert golden["birth_name"] == "Martin"
    assert golden["birth_date"] == "1984-03-12"


def test_accented_spelling_wins_over_the_same_name_without_accents():
    records = [
        record("a", {"first_names": "THERESE"}, trust=90),
        record("b", {"first_names": "Thérèse"}, days_ago=40),
    ]
    assert survive(records)["first_names"] == "Thérèse"


def test_a_less_precise_birth_date_supports_the_full_date_instead_of_replacing_it():
    records = [
        record("a", {"birth_date": "1984-03-12"}, days_ago=100),
        record("b", {"birth_date": "1984"}, trust=90),
        record("c", {"birth_date": "1984-03"}),
    ]
    assert survive(records)["birth_date"] == "1984-03-12"


def test_the_address_is_taken_whole_from_one_record_never_mixed():
    records = [
        record("a", {"address": {"line": "3 rue de la Paix", "postcode": "69003", "city": "Lyon"}}),
        record("b", {"address": {"line": "8 avenue Foch", "postcode": "69006"}}, trust=90),
    ]
    assert {k: survive(records)[k] for k in ("address_line", "postcode", "city")} == {
        "address_line": "8 avenue Foch",
        "postcode": "69006",
        "city": "",
    }


def test_contact_details_follow_trust_then_recency():
    records = [
        record("a", {"phone": "0611111111"}, days_ago=5),
        record("b", {"phone": "0622222222"}, days_ago=1),
    ]
    assert survive(records)["phone"] == "0622222222"
