"""The candidates' features kept from one chunk to the next (``hub.registry.pool.Features``).

A file of several chunks meets the same registry records again and again; the set-wise path
keeps their prepared form for the next chunks of the job and reads them again only when their
version changed. Here a record met by the first chunk is changed by its partner between two
chunks (the ``progress`` callback runs after each commit): the later chunk must compare the new
version, exactly as the row-by-row import does. The set-wise run must not fall back to the
row-by-row path (which would give the same outcomes and hide a failure).
"""

import pytest
from django.db import transaction

from exchanges import imports
from hub.registry import chunkreads, lookups, pool
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, PartnerRecord
from hub.registry.services import record_upsert
from tests.exchanges import test_imports_setwise as whole
from tests.exchanges.test_imports_setwise import _content, _snapshot
from tests.factories import record_payload

pytestmark = pytest.mark.django_db

LAMBERT = {"birth_name": "Lambert", "first_names": "Hugo", "sex": "M", "birth_date": "1977-02-14"}
FAURE = {"birth_name": "Faure", "first_names": "Inès", "birth_date": "1990-09-09"}


def _seed(partner_b) -> None:
    for external_id, person in (("B-1", LAMBERT), ("B-2", FAURE), ("B-3", {})):
        record_upsert(
            organization=partner_b.organization,
            external_id=external_id,
            payload=record_payload(**person),
        )


def _rows() -> list[dict]:
    return [
        {"external_id": "F-1", **record_payload(**LAMBERT)},  # reads B-1: linked
        {"external_id": "F-2", **record_payload(**FAURE)},  # reads B-2: linked
        {"external_id": "F-3", **record_payload(**LAMBERT, phone="0612345678")},
        {"external_id": "F-4", **record_payload(**{**FAURE, "first_names": "Inès Marie"})},
        {"external_id": "F-5", **record_payload(birth_name="Martin", first_names="Jeannine")},
        {"external_id": "F-6", **record_payload(**FAURE, phone="0698765432")},
    ]


def _change_between_chunks(partner_b):
    """After the first chunk, B changes the first name of its record B-2 (a new version): the
    rows about Inès Faure after it meet B-2's new version, not the one the first chunk read."""
    done = []

    def progress(processed, _total):
        if not done:
            done.append(processed)
            record_upsert(
                organization=partner_b.organization,
                external_id="B-2",
                payload=record_payload(**{**FAURE, "first_names": "Agnès"}),
            )

    return progress


def _run(partner_a, partner_b, setwise, monkeypatch):
    monkeypatch.setattr(imports, "SETWISE", setwise)
    monkeypatch.setattr(imports, "CHUNK", 2)
    actor = Actor(
        organization_id=partner_a.organization.pk,
        organization_ids=(partner_a.organization.pk,),
    )
    job = imports.create_job(actor=actor, content=_content(_rows()), format="ndjson")
    progress = _change_between_chunks(partner_b)
    assert imports.run_job(job_id=job.pk, progress=progress) == "done"
    return job.pk


def test_features_kept_across_chunks_give_the_row_by_row_outcomes(
    partner_a, partner_b, monkeypatch
):
    _seed(partner_b)
    known = set(Beneficiary.objects.values_list("pk", flat=True))
    b2 = str(PartnerRecord.objects.get(external_id="B-2").pk)

    sid = transaction.savepoint()
    by_row = _snapshot(_run(partner_a, partner_b, False, monkeypatch), known)
    transaction.savepoint_rollback(sid)

    calls = []
    read = chunkreads.chunk_candidates

    def spy(wanted, held, *, engine):
        calls.append((set(wanted), set(held)))
        return read(wanted, held, engine=engine)

    def no_fallback(*args, **kwargs):
        raise AssertionError("a set-wise chunk went row by row")

    monkeypatch.setattr(chunkreads, "chunk_candidates", spy)
    monkeypatch.setattr(imports, "_submit", no_fallback)
    setwise = _snapshot(_run(partner_a, partner_b, True, monkeypatch), known)

    for part in by_row:
        assert setwise[part] == by_row[part], part
    assert len(calls) >= 3
    # The first chunk reads B-2 whole; a later chunk holds it, finds it at another version and
    # reads its features again.
    assert b2 in calls[0][0]
    assert any(b2 in held for _wanted, held in calls[1:])
    assert any(b2 in wanted for wanted, _held in calls[1:])


def test_features_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(pool.Features, "LIMIT", 3)
    features = pool.Features()
    for i in range(7):
        features.put(i, 1, f"prepared {i}")
        assert len(features.by_id) <= 3
    assert features.get(6, 1) == "prepared 6"
    assert features.get(6, 2) is None  # another version is not served


def test_setwise_file_goes_through_without_falling_back(partner_a, partner_b, monkeypatch):
    """The file of ``test_imports_setwise`` (every kind of row) is imported set-wise chunk by
    chunk: no chunk fails and goes row by row (that would give the same report)."""

    def no_fallback(*args, **kwargs):
        raise AssertionError("a set-wise chunk went row by row")

    whole._seed(partner_a, partner_b)
    monkeypatch.setattr(imports, "_submit", no_fallback)
    counts, _job = whole._run(partner_a, True, monkeypatch)
    assert counts["rejected"] == 3 and counts["linked"] >= 3 and counts["review"] >= 2


@pytest.mark.postgres
def test_a_full_chunk_goes_set_wise_and_locks_only_the_coarse_keys(partner_a, monkeypatch):
    """A chunk of 500 rows goes through set-wise (no row-by-row fallback) and locks the
    coarse blocking keys of its rows only: a refined key's block lies inside its coarse key's,
    so the coarse lock already serialises the writers that could find each other, with a
    third fewer locks in the server's shared lock table (64 per connection by default)."""
    from hub import matching
    from hub.registry.intake import prepared_for

    def no_fallback(*args, **kwargs):
        raise AssertionError("a set-wise chunk went row by row")

    rows = [
        {
            "external_id": f"L-{i}",
            **record_payload(
                birth_name=f"Durand{i:03d}",
                first_names=("Hugo", "Inès", "Léa", "Noah", "Jade")[i % 5],
                birth_date=f"19{40 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                phone=f"06{i:08d}",
            ),
        }
        for i in range(imports.CHUNK)
    ]
    keys = {k for row in rows for k in matching.blocking_keys(prepared_for("p", row, ""))}
    coarse = set(matching.coarse_keys(keys))
    assert len(coarse) < len(keys)  # the rows have refined keys, and they take no lock
    assert lookups.lock_ids(list(keys)) == lookups.lock_ids(list(coarse))
    monkeypatch.setattr(imports, "_submit", no_fallback)
    actor = Actor(
        organization_id=partner_a.organization.pk, organization_ids=(partner_a.organization.pk,)
    )
    job = imports.create_job(actor=actor, content=_content(rows), format="ndjson")
    assert imports.run_job(job_id=job.pk) == "done"
    assert PartnerRecord.objects.filter(organization=partner_a.organization).count() == 500
