"""The single-record look-up: one statement answers the probe's usable keys, the records of
those blocks and their stored features; scoring leaves out the candidates that reach no grade
without changing what intake decides."""

import pytest
from django.db.models import Count

from hub import matching
from hub.matching import stored
from hub.registry import intake, lookups
from hub.registry.models import Organization, PartnerRecord, RecordKey
from hub.registry.services import record_upsert
from tests.factories import record_payload

pytestmark = pytest.mark.django_db

# Alike and unlike persons around "Jeanne Martin, 1984-03-12, Lyon 3e": the same person
# written otherwise, a sister, a homonym born elsewhere, a person sharing only the address.
PEOPLE = [
    {},
    {"first_names": "JEANNE", "sex": "", "address": {"postcode": "69003", "city": "Lyon"}},
    {"first_names": "Jeannine"},
    {"first_names": "Paul", "sex": "M", "birth_date": "1988-07-01"},
    {"birth_date": "1948-03-12", "address": {"postcode": "13001", "city": "Marseille"}},
    {"birth_name": "Durand", "first_names": "Lucie", "birth_date": "1984-12-03"},
    {"birth_name": "Martins", "phone": "0612345678"},
    {"birth_name": "Dupont", "first_names": "Marc", "sex": "M", "birth_date": "1961-01-01"},
]


@pytest.fixture
def registry(db):
    organization = Organization.objects.create(name="CCAS de Bron", kind="ccas")
    for i, person in enumerate(PEOPLE):
        record_upsert(
            organization=organization, external_id=f"P-{i}", payload=record_payload(**person)
        )
    return organization


def _probe(**fields):
    prepared = intake.prepared_for("probe", record_payload(**fields), "")
    return prepared, matching.blocking_keys(prepared)


def _lookup(keys, *, whole=False):
    return lookups.intake_candidates(
        keys,
        [matching.block_cap(key) for key in keys],
        limit=intake.MAX_CANDIDATE_RECORDS,
        engine=stored.VERSION,
        whole=whole,
    )


def test_one_look_up_answers_the_usable_blocks_and_their_records_features(registry):
    _prepared, keys = _probe()
    wide = next(k for k in keys if k.startswith("pn:"))
    filler = [
        PartnerRecord.objects.create(
            organization=registry,
            external_id=f"X-{i}",
            beneficiary=PartnerRecord.objects.first().beneficiary,
            payload={},
        )
        for i in range(matching.block_cap(wide))
    ]
    RecordKey.objects.bulk_create([RecordKey(record=r, key=wide) for r in filler])
    counted = dict(
        RecordKey.objects.filter(key__in=keys)
        .values("key")
        .annotate(n=Count("id"))
        .values_list("key", "n")
    )
    expected_keys = {k for k in keys if counted.get(k, 0) <= matching.block_cap(k)}
    usable, rows = _lookup(keys)
    assert set(usable) == expected_keys
    assert wide not in usable
    expected_records = set(
        RecordKey.objects.filter(key__in=expected_keys).values_list("record_id", flat=True)
    )
    assert {row[0] for row in rows} == expected_records
    for record_id, beneficiary_id, _parent, organization_id, version, features, payload, _ in rows:
        record = PartnerRecord.objects.get(pk=record_id)
        assert (beneficiary_id, organization_id, version) == (
            record.beneficiary_id,
            record.organization_id,
            record.version,
        )
        assert payload is None  # features are current: the payload stays in the database
        assert stored.load(record_id, features) == intake.prepared_for(
            record_id, record.payload, record.nir_hash
        )


def test_stale_features_come_with_the_payload_to_prepare_again(registry):
    _prepared, keys = _probe()
    record = PartnerRecord.objects.get(external_id="P-1")
    PartnerRecord.objects.filter(pk=record.pk).update(
        match_features={**record.match_features, "e": stored.VERSION + 1}
    )
    rows = {row[0]: row for row in _lookup(keys)[1]}
    assert rows[record.pk][5] is None
    assert rows[record.pk][6] == record.payload
    whole = {row[0]: row for row in _lookup(keys, whole=True)[1]}
    assert all(row[6] is not None for row in whole.values())


@pytest.mark.parametrize(
    "probe",
    [{}, {"first_names": "Jeanne Marie"}, {"birth_date": "1984-12-03"}, {"birth_name": "Martin"}],
)
def test_scoring_only_what_can_grade_keeps_every_graded_candidate(registry, probe):
    prepared, keys = _probe(**probe)
    every = intake.score_candidates(prepared, keys)
    assert any(c.grade is None for c in every)  # the registry holds candidates below a grade
    graded = intake.score_candidates(prepared, keys, graded_only=True)
    assert graded == [c for c in every if c.grade]
    assert graded


def test_stored_features_that_do_not_load_are_prepared_from_the_record(registry):
    prepared, keys = _probe()
    before = intake.score_candidates(prepared, keys)
    PartnerRecord.objects.filter(external_id="P-0").update(
        match_features={"v": 1, "e": stored.VERSION, "f": ["not", "features"]}
    )
    assert intake.score_candidates(prepared, keys) == before


def test_a_value_holding_the_separator_is_refused_not_split():
    assert lookups.joined(["pn:MRT:1984", "ff:JN:MRT"], "\x1f") == "pn:MRT:1984\x1fff:JN:MRT"
    assert lookups.joined([3, 1, 2]) == "3,1,2"
    with pytest.raises(ValueError):
        lookups.joined(["pn:MRT", "bad\x1fkey"], "\x1f")
