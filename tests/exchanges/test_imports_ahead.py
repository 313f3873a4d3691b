"""The next chunk is validated and prepared in a helper thread, without a query.

``run_job`` hands each chunk's rows to a helper thread (``imports._ahead``) while the chunk
before it is matched and written; the whole file's outcome is compared with the row-by-row
path in ``test_imports_setwise``. Here: the helper's work reads no table (it never opens a
database connection of its own), gives the row-by-row path's reasons for rejected rows, and
a job resumed in the middle of a chunk skips the rows already committed.
"""

import json
import threading

import pytest
from django.db import connection

from exchanges import importfiles, imports
from exchanges.importfiles import iter_rows
from exchanges.models import ImportJob, ImportRow
from hub.registry import bulk
from hub.registry.actors import Actor
from hub.registry.models import PartnerRecord
from tests.factories import record_payload

pytestmark = pytest.mark.django_db(transaction=True)


def _file(rows: list[dict]) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


def _rows() -> list[dict]:
    return [
        {"external_id": "R-1", **record_payload()},
        {"external_id": "R-2", "birth_name": "Sans prénom"},  # invalid payload
        {"external_id": "bad id!", **record_payload(birth_name="Zola")},  # invalid id
        {"external_id": "R-4", **record_payload(birth_name="Faure", nir="284036912345608")},
    ]


def test_the_helper_reads_no_table_and_gives_the_row_paths_reasons():
    chunk = list(iter_rows(_file(_rows()), "ndjson"))
    seen: dict = {}

    def helper():
        seen["checked"] = imports._ahead(chunk)
        seen["connected"] = connection.connection is not None  # this thread's connection

    thread = threading.Thread(target=helper)
    thread.start()
    thread.join()

    assert seen["connected"] is False
    job = ImportJob(format="ndjson")
    for item, (errors, clean, ready) in zip(chunk, seen["checked"], strict=True):
        row = imports._validated(job, *item)
        assert errors == (row.errors if row.outcome == "rejected" else [])
        if errors:
            assert clean is None and ready is None
        else:
            assert ready == bulk.ahead(clean)
            assert "nir" not in ready.clean and ready.keys
    assert [bool(c[0]) for c in seen["checked"]] == [False, True, True, False]


def test_the_helper_parses_an_ndjson_chunk_as_the_reader_does():
    content = _file(_rows()) + b'\n{"external_id": "R-5", "a": 1, "a": 2}\n[1]\n{oops\n'
    lines = list(importfiles.ndjson_lines(content))
    assert all(isinstance(line, str) for _index, line in lines)  # not parsed on the way in

    parsed, checked = imports._read_ahead(lines, "ndjson")

    assert parsed == list(iter_rows(content, "ndjson"))
    assert [index for index, *_ in parsed] == list(range(7))  # the blank line has no index
    assert parsed[4][3] == [{"field": "a", "message": "duplicate key"}]
    assert parsed[5][3] == [{"field": "", "message": "a JSON object is expected"}]
    assert parsed[6][3][0]["message"].startswith("malformed JSON")
    assert checked == imports._ahead(parsed)
    assert [bool(errors) for errors, _c, _r in checked] == [
        False,
        True,
        True,
        False,
        True,
        True,
        True,
    ]


def test_a_resumed_job_starts_at_its_first_uncommitted_row(partner_a, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK", 3)
    actor = Actor(
        organization_id=partner_a.organization.pk,
        organization_ids=(partner_a.organization.pk,),
    )
    rows = [
        {
            "external_id": f"S-{i}",
            **record_payload(birth_name=name, birth_date=f"19{50 + i}-01-0{i}"),
        }
        for i, name in enumerate(["Martin", "Bernard", "Thomas", "Petit", "Robert"], start=1)
    ]
    job = imports.create_job(actor=actor, content=_file(rows), format="ndjson")
    # An earlier run committed the first two rows, then stopped: this one starts at row 2,
    # and its first chunk (and that chunk's helper work) holds rows 2 to 4.
    ImportJob.objects.filter(pk=job.pk).update(processed=2)

    assert imports.run_job(job_id=job.pk) == "done"

    job.refresh_from_db()
    assert (job.processed, job.created) == (5, 3)
    assert list(
        ImportRow.objects.filter(job=job).order_by("index").values_list("index", flat=True)
    ) == [2, 3, 4]
    assert set(
        PartnerRecord.objects.filter(organization=partner_a.organization).values_list(
            "external_id", flat=True
        )
    ) == {"S-3", "S-4", "S-5"}


def test_a_chunk_another_runner_half_committed_keeps_its_rows_helper_work(partner_a):
    actor = Actor(
        organization_id=partner_a.organization.pk,
        organization_ids=(partner_a.organization.pk,),
    )
    job = imports.create_job(actor=actor, content=_file(_rows()), format="ndjson")
    chunk = list(iter_rows(_file(_rows()), "ndjson"))
    checked = imports._ahead(chunk)
    # Between this runner's cut of the chunk and its commit, another committed rows 0 and 1.
    ImportJob.objects.filter(pk=job.pk).update(status="running", processed=2)

    assert imports._process_chunk(actor, job.pk, chunk, None, checked) == 4

    lines = ImportRow.objects.filter(job=job).order_by("index")
    assert [(r.index, r.outcome) for r in lines] == [(2, "rejected"), (3, "created")]
    assert lines[0].errors[0]["field"] == "external_id"
    assert list(
        PartnerRecord.objects.filter(organization=partner_a.organization).values_list(
            "external_id", flat=True
        )
    ) == ["R-4"]
