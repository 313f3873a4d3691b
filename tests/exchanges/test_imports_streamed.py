"""A large import file is streamed: spooled to disk by the API, stored in parts, read in parts.

The thresholds are lowered so that a file of a few hundred kilobytes goes the way a 1 GB file
goes (spooled past the in-memory size, stored in many ``ImportPart`` rows, lines and CSV
records straddling the parts); the job must report exactly what the same file gives when it
is kept whole, and the ``Idempotency-Key`` fingerprint is that of the whole body.
"""

import csv
import io
import json

import pytest
from django.db import transaction

from exchanges import importfiles, imports
from exchanges.models import ImportJob, ImportPart, ImportRow
from hub.registry.actors import Actor
from hub.registry.models import PartnerRecord
from tests.exchanges.conftest import distinct_identity
from tests.factories import record_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(importfiles, "SPOOL_BYTES", 8 * 1024)
    monkeypatch.setattr(importfiles, "INLINE_BYTES", 16 * 1024)
    monkeypatch.setattr(importfiles, "PART_BYTES", 5 * 1024 + 7)  # lines cut anywhere
    monkeypatch.setattr(importfiles, "READ_BYTES", 3 * 1024)


def _rows(count: int) -> list[dict]:
    rows = []
    for n in range(count):
        payload = record_payload(**distinct_identity())
        payload["address"] = {**payload.get("address", {}), "line": f"{n} rue " + "é" * 250}
        rows.append({"external_id": f"S-{n}", **payload})
    rows[7] = {"external_id": "S-7", "birth_name": "Sans prénom"}  # rejected
    return rows


def _ndjson(rows) -> bytes:
    return ("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n").encode()


def _report(job_id) -> list[tuple]:
    return list(
        ImportRow.objects.filter(job_id=job_id)
        .order_by("index")
        .values_list("index", "external_id", "outcome", "errors")
    )


def test_large_upload_is_stored_in_parts_and_imports_as_a_whole_file(
    partner_a, small_parts, django_capture_on_commit_callbacks
):
    content = _ndjson(_rows(60))
    assert len(content) > importfiles.INLINE_BYTES + importfiles.PART_BYTES
    # the same file kept whole (as a small file is), from the same registry: the reference
    sid = transaction.savepoint()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importfiles, "INLINE_BYTES", 1 << 30)
        job = imports.create_job(
            actor=Actor(
                organization_id=partner_a.organization.pk,
                organization_ids=(partner_a.organization.pk,),
            ),
            content=content,
            format="ndjson",
        )
    assert bytes(job.content) == content and not ImportPart.objects.filter(job=job).exists()
    imports.run_job(job_id=job.pk)
    whole = [row[1:] for row in _report(job.pk)]
    transaction.savepoint_rollback(sid)
    assert not ImportJob.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = partner_a.api().generic(
            "POST",
            "/api/v1/imports",
            content,
            content_type="application/x-ndjson",
            HTTP_IDEMPOTENCY_KEY="big-file-1",
        )
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert bytes(job.content) == b""
    parts = list(ImportPart.objects.filter(job=job).order_by("seq").values_list("data", flat=True))
    assert len(parts) > 5 and b"".join(bytes(p) for p in parts) == content
    assert job.status == "done" and job.total == 60
    streamed = [row[1:] for row in _report(job.pk)]
    assert [r[1] for r in streamed].count("rejected") == 1
    assert streamed[7][1] == "rejected"

    # the same body again under the same key: replayed (the fingerprint of the whole body)
    again = partner_a.api().generic(
        "POST",
        "/api/v1/imports",
        content,
        content_type="application/x-ndjson",
        HTTP_IDEMPOTENCY_KEY="big-file-1",
    )
    assert again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    other = partner_a.api().generic(
        "POST",
        "/api/v1/imports",
        content + b"\n",
        content_type="application/x-ndjson",
        HTTP_IDEMPOTENCY_KEY="big-file-1",
    )
    assert other.status_code == 422
    assert ImportJob.objects.count() == 1

    assert streamed == whole


def test_large_csv_with_multiline_cells_is_read_across_parts(partner_a, small_parts):
    rows = _rows(50)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["external_id", "birth_name", "first_names", "birth_date", "address_line"])
    for n, row in enumerate(rows):
        line = row.get("address", {}).get("line", "")
        line += "\nbâtiment B" if n == 5 else ""  # a quoted cell on two lines
        writer.writerow(
            [row["external_id"], row["birth_name"], row.get("first_names", ""),
             row.get("birth_date", ""), line]
        )  # fmt: skip
    content = out.getvalue().encode()
    assert len(content) > importfiles.INLINE_BYTES + importfiles.PART_BYTES
    actor = Actor(
        organization_id=partner_a.organization.pk, organization_ids=(partner_a.organization.pk,)
    )
    job = imports.create_job(actor=actor, content=io.BytesIO(content), format="csv")
    assert ImportPart.objects.filter(job=job).count() >= 4 and job.total == 50
    imports.run_job(job_id=job.pk)
    report = _report(job.pk)
    assert [r[1] for r in report] == [r["external_id"] for r in rows]
    assert [r[0] for r in report if r[2] == "rejected"] == [5, 7]
    assert report[5][3] == [{"field": "address.line", "message": "has an invalid format"}]
    record = PartnerRecord.objects.get(organization=partner_a.organization, external_id="S-3")
    assert record.payload["address"]["line"] == rows[3]["address"]["line"]


def test_upload_over_the_file_limit_answers_413_without_a_job(partner_a, monkeypatch):
    from exchanges.api.import_views import ImportList

    monkeypatch.setattr(ImportList, "max_body_bytes", 4096)
    body = _ndjson(_rows(10))
    response = partner_a.api().generic(
        "POST", "/api/v1/imports", body, content_type="application/x-ndjson"
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert ImportJob.objects.count() == 0


def test_an_inline_file_is_read_from_the_database_once_not_with_each_chunk(partner_a, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(imports, "CHUNK", 10)
    content = _ndjson(_rows(35))  # four chunks, the file kept inline
    actor = Actor(
        organization_id=partner_a.organization.pk, organization_ids=(partner_a.organization.pk,)
    )
    job = imports.create_job(actor=actor, content=content, format="ndjson")
    assert bytes(job.content) == content
    with CaptureQueriesContext(connection) as queries:
        imports.run_job(job_id=job.pk)
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and '"exchanges_importjob"."content"' in q["sql"]
    ]
    assert len(reads) == 1, reads
    job.refresh_from_db()
    assert job.status == "done" and job.processed == 35 and job.rejected == 1
