import io
import json

import pytest
from django.core.management import call_command

from consent.models import AccessLog
from exchanges import imports
from exchanges.models import ImportJob, ImportRow
from hub.outbox.models import Event
from hub.registry.actors import Actor
from hub.registry.models import PartnerRecord
from tests.exchanges.conftest import distinct_identity
from tests.factories import record_payload

pytestmark = pytest.mark.django_db


def ndjson(rows) -> bytes:
    return "\n".join(json.dumps(row) for row in rows).encode()


def good(n: int) -> dict:
    return {"external_id": f"R-{n}", **record_payload(**distinct_identity())}


def post_import(partner, content: bytes, content_type="application/x-ndjson", **headers):
    return partner.api().generic(
        "POST", "/api/v1/imports", content, content_type=content_type, **headers
    )


def test_ndjson_import_reports_progress_outcomes_and_row_reasons(
    partner_a, django_capture_on_commit_callbacks
):
    rows = [good(1), {"external_id": "R-2", "birth_name": "Sans prénom"}, good(3)]
    content = ndjson(rows) + b"\n{not json\n" + ndjson([{**good(5), "external_id": "bad id!"}])
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(partner_a, content)
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["total"] == 5
    status = partner_a.api().get(f"/api/v1/imports/{job['id']}").json()
    assert status["status"] == "done"
    assert status["processed"] == 5
    assert status["created"] == 2
    assert status["rejected"] == 3
    rejected = partner_a.api().get(status["rows"]).json()["results"]
    assert [(r["index"], {e["field"] for e in r["errors"]}) for r in rejected] == [
        (1, {"first_names", "birth_date"}),
        (3, {""}),
        (4, {"external_id"}),
    ]
    assert PartnerRecord.objects.filter(organization=partner_a.organization).count() == 2
    assert Event.objects.filter(type="record.upserted").count() == 2
    assert Event.objects.filter(type="import.completed").count() == 1
    assert AccessLog.objects.filter(action="write", resource="record").count() == 2


def test_csv_import_maps_address_columns(partner_a, django_capture_on_commit_callbacks):
    content = (
        b"external_id,birth_name,first_names,birth_date,sex,address_line,postcode,city\n"
        b"C-1,Martin,Jeanne,1984-03-12,F,3 rue de la Paix,69003,Lyon\n"
        b"C-2,Durand,Paul,1990-13-01,M,,,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(partner_a, content, content_type="text/csv")
    assert response.status_code == 202
    job = ImportJob.objects.get()
    assert (job.created, job.rejected) == (1, 1)
    assert PartnerRecord.objects.get().payload["address"]["postcode"] == "69003"
    assert ImportRow.objects.get(index=1).errors[0]["field"] == "birth_date"


@pytest.mark.parametrize(
    ("content", "content_type", "status", "field"),
    [
        (b"", "application/x-ndjson", 422, "body"),
        (b"external_id,colour\nX,red\n", "text/csv", 422, "colour"),
        (b"birth_name\nMartin\n", "text/csv", 422, "external_id"),
        (b"\xff\xfe", "application/x-ndjson", 422, "body"),
        (b"{}", "application/xml", 415, "Content-Type"),
    ],
)
def test_bad_import_files_are_refused_naming_the_problem(
    partner_a, content, content_type, status, field
):
    response = post_import(partner_a, content, content_type=content_type)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    if status != 415:
        assert response.json()["errors"][0]["field"] == field
    assert ImportJob.objects.count() == 0


def test_import_body_over_the_limit_answers_413(partner_a, settings):
    settings.API_IMPORT_MAX_BYTES = 1024
    from exchanges.api.import_views import ImportList

    limit = ImportList.max_body_bytes
    ImportList.max_body_bytes = 1024
    try:
        response = post_import(partner_a, ndjson([good(n) for n in range(50)]))
    finally:
        ImportList.max_body_bytes = limit
    assert response.status_code == 413
    assert ImportJob.objects.count() == 0


def test_interrupted_import_resumes_without_redoing_rows(partner_a, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK", 2)
    actor = Actor(
        organization_id=partner_a.organization.pk,
        organization_ids=(partner_a.organization.pk,),
    )
    job = imports.create_job(
        actor=actor, content=ndjson([good(n) for n in range(5)]), format="ndjson"
    )
    calls = []

    def crash_after_first_chunk(processed, total):
        calls.append(processed)
        raise KeyboardInterrupt  # the worker dies after committing one chunk

    with pytest.raises(KeyboardInterrupt):
        imports.run_job(job_id=job.pk, progress=crash_after_first_chunk)
    job.refresh_from_db()
    assert (job.processed, job.status) == (2, "running")
    assert imports.run_job(job_id=job.pk) == "done"
    assert imports.run_job(job_id=job.pk) == "nothing to do"  # safe to run twice
    job.refresh_from_db()
    assert (job.processed, job.created, job.rejected) == (5, 5, 0)
    assert ImportRow.objects.filter(job=job).count() == 5
    assert Event.objects.filter(type="record.upserted").count() == 5


def test_another_organizations_import_answers_404(partner_a, partner_b):
    actor = Actor(
        organization_id=partner_a.organization.pk,
        organization_ids=(partner_a.organization.pk,),
    )
    job = imports.create_job(actor=actor, content=ndjson([good(1)]), format="ndjson")
    api_b = partner_b.api()
    assert api_b.get(f"/api/v1/imports/{job.pk}").status_code == 404
    assert api_b.get(f"/api/v1/imports/{job.pk}/rows").status_code == 404


def test_import_records_command_shows_progress_and_totals(partner_a, tmp_path):
    path = tmp_path / "records.ndjson"
    path.write_bytes(ndjson([good(n) for n in range(3)]))
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_records", str(path), "--org", partner_a.organization.name, stdout=out, stderr=err
    )
    assert "created=3" in out.getvalue()
    assert "3/3" in err.getvalue()
    assert PartnerRecord.objects.count() == 3


def test_import_records_command_refuses_an_unknown_organization(tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "records.ndjson"
    path.write_bytes(ndjson([good(1)]))
    with pytest.raises(CommandError, match="unknown organization"):
        call_command("import_records", str(path), "--org", "Nowhere")


@pytest.mark.parametrize(
    ("bad_line", "field"),
    [
        (b"[" * 100_000 + b"]" * 100_000, ""),
        (b'{"external_id": "X-1", "external_id": "X-2"}', "external_id"),
        (b'{"external_id": "X-3", "birth_name": "Ma\\u0000rtin"}', "birth_name"),
        (b'{"external_id": "X-4", "birth_name": "\\ud800"}', "birth_name"),
        (b'{"external_id": "X-5", "count": NaN}', ""),
    ],
    ids=["nested-100000", "duplicate-key", "nul", "lone-surrogate", "nan"],
)
def test_unparseable_ndjson_row_is_a_rejected_row_never_a_stuck_job(
    partner_a, django_capture_on_commit_callbacks, bad_line, field
):
    content = ndjson([good(1)]) + b"\n" + bad_line + b"\n" + ndjson([good(3)])
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(partner_a, content)
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get()
    assert (job.status, job.processed, job.created, job.rejected) == ("done", 3, 2, 1)
    row = ImportRow.objects.get(job=job, index=1)
    assert row.outcome == "rejected"
    assert field in {error["field"] for error in row.errors}
    assert PartnerRecord.objects.count() == 2


def test_csv_row_with_an_oversized_cell_is_a_rejected_row(
    partner_a, django_capture_on_commit_callbacks
):
    content = (
        b"external_id,birth_name,first_names,birth_date\n"
        b'C-1,"' + b"x" * 200_000 + b'",Jeanne,1984-03-12\n'
        b"C-2,Durand,Paul,1990-01-01\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(partner_a, content, content_type="text/csv")
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get()
    assert (job.status, job.total, job.created, job.rejected) == ("done", 2, 1, 1)
    assert PartnerRecord.objects.get().external_id == "C-2"
