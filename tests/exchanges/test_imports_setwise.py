"""The set-wise import gives what the row-by-row import gives, row for row.

One file (new persons, persons already known to this partner or to another, duplicates
inside the file, a record sent twice, invalid rows, review candidates, an unchanged and an
updated record) is imported twice from the same starting registry: once row by row (one
savepoint and one full intake per row, ``imports.SETWISE = False``), once set-wise. The two
runs must leave the same report, golden records, records and keys, decisions, review queue,
events and access rows; and the access log still seals and verifies.
"""

import json

import pytest
from django.db import transaction

from consent import integrity
from consent.models import AccessLog
from exchanges import imports
from exchanges.models import ImportRow
from hub.outbox.models import Event
from hub.registry.actors import Actor
from hub.registry.golden import GOLDEN_FIELDS
from hub.registry.models import (
    Beneficiary,
    BlockSize,
    LinkDecision,
    PartnerRecord,
    RecordKey,
    ReviewItem,
)
from hub.registry.services import record_upsert
from tests.factories import record_payload

pytestmark = pytest.mark.django_db

NIR = "284036912345608"


def _person(**overrides) -> dict:
    return record_payload(**overrides)


def _seed(partner_a, partner_b) -> None:
    """The registry before the import: persons known to A (the importer) and to B."""
    record_upsert(organization=partner_a.organization, external_id="A-OWN", payload=_person())
    record_upsert(
        organization=partner_a.organization,
        external_id="A-SAME",
        payload=_person(birth_name="Bonnet", first_names="Louis", birth_date="1950-06-02"),
    )
    record_upsert(
        organization=partner_a.organization,
        external_id="A-CHANGE",
        payload=_person(birth_name="Garnier", first_names="Rose", birth_date="1961-11-30"),
    )
    record_upsert(
        organization=partner_b.organization,
        external_id="B-KNOWN",
        payload=_person(birth_name="Lambert", first_names="Hugo", sex="M", birth_date="1977-02-14"),
    )
    record_upsert(
        organization=partner_b.organization,
        external_id="B-NIR",
        payload=_person(birth_name="Faure", first_names="Inès", birth_date="1990-09-09", nir=NIR),
    )


def _rows() -> list[dict]:
    lambert = _person(birth_name="Lambert", first_names="Hugo", sex="M", birth_date="1977-02-14")
    fresh = _person(birth_name="Zéphyr", first_names="Camille", birth_date="2001-05-05")
    return [
        {"external_id": "F-1", **_person()},  # A already knows her: linked, known
        {"external_id": "F-2", **lambert},  # known to B only: linked, not known
        {"external_id": "F-3", **lambert, "phone": "0612345678"},  # again: known by F-2
        {"external_id": "F-4", **fresh},  # new
        {"external_id": "F-5", **fresh, "first_names": "Camille Anne"},  # duplicate in file
        {"external_id": "F-6", **_person(first_names="Jeannine")},  # twin: review
        {"external_id": "F-7", **_person(birth_name="Zola")},  # certain, other surname: review
        {"external_id": "F-8", "birth_name": "Sans prénom"},  # invalid
        {"external_id": "bad id!", **fresh},  # invalid external id
        {  # same NIR, married name: linked through the identifier
            "external_id": "F-9",
            **_person(birth_name="Roux", first_names="Inès", birth_date="1990-09-09", nir=NIR),
        },
        {  # unchanged record of A
            "external_id": "A-SAME",
            **_person(birth_name="Bonnet", first_names="Louis", birth_date="1950-06-02"),
        },
        {  # updated record of A, then matched again by a new row
            "external_id": "A-CHANGE",
            **_person(birth_name="Garnier", first_names="Rose", birth_date="1961-11-30"),
            "phone": "0700000001",
        },
        {"external_id": "F-4", **fresh, "email": "camille@example.org"},  # F-4 sent again
        {"external_id": "F-10", **_person(birth_name="Nouveau", birth_date="1999-01-01")},
        {"external_id": "F-11", **fresh, "birth_date": "2001-05"},  # partial date: review?
    ]


def _content(rows) -> bytes:
    text = "\n".join(json.dumps(row) for row in rows)
    return (text + "\n{not json\n").encode()


def _snapshot(job_id, known: set) -> dict:
    """The registry, report, events and access rows, with new ids named by their first record."""
    names = {pk: str(pk) for pk in known}
    names[job_id] = "the import"
    for record in PartnerRecord.objects.order_by("organization__name", "external_id"):
        names.setdefault(record.beneficiary_id, f"new:{record.external_id}")
    record_names = {
        r.pk: f"{r.organization_id}:{r.external_id}" for r in PartnerRecord.objects.all()
    }

    def name(value):
        return names.get(value, names.get(_uuid(value), value))

    report = [
        (r.index, r.external_id, r.outcome, r.errors, name(r.beneficiary_id))
        for r in ImportRow.objects.filter(job_id=job_id).order_by("index")
    ]
    golden = {
        name(b.pk): ({f: getattr(b, f) for f in GOLDEN_FIELDS}, b.status, name(b.merged_into_id))
        for b in Beneficiary.objects.all()
    }
    records = {
        record_names[r.pk]: (
            name(r.beneficiary_id),
            r.payload,
            r.nir_hash,
            r.version,
            sorted(RecordKey.objects.filter(record=r).values_list("key", flat=True)),
        )
        for r in PartnerRecord.objects.all()
    }
    decisions = sorted(
        (record_names[d.record_id], name(d.beneficiary_id), d.outcome, d.score, d.grade)
        for d in LinkDecision.objects.all()
    )
    explanations = sorted(
        json.dumps(d.explanation, sort_keys=True) for d in LinkDecision.objects.all()
    )
    reviews = sorted(
        (
            tuple(sorted((name(i.beneficiary_a_id), name(i.beneficiary_b_id)))),
            i.score,
            i.grade,
            json.dumps(i.explanation, sort_keys=True),
            i.source,
        )
        for i in ReviewItem.objects.all()
    )
    events = [
        (
            e.type,
            e.organization_id,
            name(e.beneficiary_id),
            name(e.subject_id),
            {k: record_names.get(_uuid(v), v) for k, v in e.data.items() if k != "import"},
        )
        for e in Event.objects.order_by("id")
    ]
    access = [
        (a.action, a.resource, name(a.beneficiary_id), a.categories, a.basis, a.decision)
        for a in AccessLog.objects.order_by("id")
    ]
    return {
        "report": report,
        "golden": golden,
        "records": records,
        "decisions": decisions,
        "explanations": explanations,
        "reviews": reviews,
        "events": events,
        "access": access,
        "block sizes": sorted(BlockSize.objects.values_list("key", "records")),
    }


def _uuid(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return value


def _run(partner_a, setwise: bool, monkeypatch) -> tuple[dict, dict]:
    monkeypatch.setattr(imports, "SETWISE", setwise)
    monkeypatch.setattr(imports, "CHUNK", 7)  # several chunks, a repeat across two of them
    actor = Actor(
        organization_id=partner_a.organization.pk,
        organization_ids=(partner_a.organization.pk,),
    )
    job = imports.create_job(actor=actor, content=_content(_rows()), format="ndjson")
    assert imports.run_job(job_id=job.pk) == "done"
    job.refresh_from_db()
    counts = imports.report(job)
    return {k: counts[k] for k in imports.OUTCOMES + ("rejected", "total", "processed")}, job.pk


def test_setwise_import_matches_the_row_by_row_import(partner_a, partner_b, monkeypatch):
    _seed(partner_a, partner_b)
    known = set(Beneficiary.objects.values_list("pk", flat=True))
    before_events = Event.objects.count()
    before_access = AccessLog.objects.count()

    sid = transaction.savepoint()
    counts_rows, job_rows = _run(partner_a, False, monkeypatch)
    by_row = _snapshot(job_rows, known)
    transaction.savepoint_rollback(sid)
    assert Event.objects.count() == before_events
    assert AccessLog.objects.count() == before_access

    counts_set, job_set = _run(partner_a, True, monkeypatch)
    setwise = _snapshot(job_set, known)

    assert counts_set == counts_rows
    assert counts_rows["linked"] >= 3 and counts_rows["review"] >= 2
    assert counts_rows["rejected"] == 3 and counts_rows["unchanged"] == 1
    assert counts_rows["updated"] == 2
    for part in by_row:
        assert setwise[part] == by_row[part], part
    assert [e[0] for e in setwise["events"]].count("beneficiary.linked") >= 2

    integrity.seal.seal_pending()
    assert integrity.verify_chains() == []
    assert not AccessLog.objects.filter(seq__isnull=True).exists()
