"""Bulk import of partner records (NDJSON or CSV), as a resumable job.

Every row goes through ``exchanges.records.submit_record`` (validation, matching, audit, events)
inside its own savepoint: a bad row is rejected with its reasons and never half-written, and it
never stops the others. Rows are processed in chunks; each chunk commits its rows, their report
lines and the job's progress (``processed`` = index of the next row) together, under a lock on
the job row. A job interrupted anywhere resumes at the first uncommitted chunk, and a second
runner of the same job only finds work the first has not committed (safe to run twice).

Rows carry no personal data in the report: index, external id, outcome, reasons.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import re

from django.db import transaction
from django.db.models import F
from django.utils import timezone

import schemas
from exchanges.models import ImportJob, ImportRow, ImportStatus
from exchanges.records import submit_record
from exchanges.setwise import submit_many
from hub import bulkwrite
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from schemas import jsontext

logger = logging.getLogger(__name__)

FORMATS = ("ndjson", "csv")
# Rows per transaction. Access rows are appended without a lock (``consent.seal``), so a chunk
# holds back only the intakes that share one of its blocking keys.
CHUNK = 500
# Set-wise intake (``exchanges.setwise``); False: one savepoint and one full intake per row
# (the reference the tests compare it with).
SETWISE = True
EXTERNAL_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
ADDRESS_COLUMNS = {"address_line": "line", "postcode": "postcode", "city": "city"}
ADDRESS_COLUMNS["insee_code"] = "insee_code"
PLAIN_COLUMNS = (
    "birth_name",
    "usage_name",
    "first_names",
    "sex",
    "birth_date",
    "birth_place",
    "nir",
    "phone",
    "email",
)
CSV_COLUMNS = ("external_id", *PLAIN_COLUMNS, *ADDRESS_COLUMNS)
OUTCOMES = ("created", "linked", "review", "updated", "unchanged")


class ImportRejected(Exception):
    def __init__(self, field: str, message: str, status: int = 400):
        self.field = field
        self.message = message
        self.status = status
        super().__init__(f"{field}: {message}")


# --- Parsing ----------------------------------------------------------------------------------


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected("body", "the file is not valid UTF-8") from None


def _check_utf8(content: bytes) -> None:
    """Refuse a file that is not UTF-8, a mebibyte at a time (no decoded copy of the file)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(content)
    try:
        for start in range(0, len(view), 1 << 20):
            decoder.decode(view[start : start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ImportRejected("body", "the file is not valid UTF-8") from None


def _lines(content: bytes):
    """NDJSON lines, split on line feeds only (``str.splitlines`` also splits on U+2028...),
    decoded one at a time: the file is never held as one decoded text nor as a list of lines.
    A line feed never occurs inside a UTF-8 sequence, so a line decodes on its own."""
    start = len(codecs.BOM_UTF8) if content.startswith(codecs.BOM_UTF8) else 0
    size = len(content)
    while start <= size:
        end = content.find(b"\n", start)
        if end < 0:
            end = size
        try:
            line = content[start:end].decode("utf-8")
        except UnicodeDecodeError:
            raise ImportRejected("body", "the file is not valid UTF-8") from None
        yield line.removesuffix("\r")
        start = end + 1


def _csv_payload(row: dict) -> dict:
    payload = {name: row[name] for name in PLAIN_COLUMNS if row.get(name)}
    address = {key: row[col] for col, key in ADDRESS_COLUMNS.items() if row.get(col)}
    if address:
        payload["address"] = address
    return payload


def iter_rows(content: bytes, format: str):
    """Yield (index, external_id, payload, errors) for every data row, index from 0."""
    if format == "csv":
        reader = csv.DictReader(io.StringIO(_text(content), newline=""))
        index = -1
        while True:
            index += 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield index, "", None, [{"field": "", "message": f"malformed CSV: {exc}"}]
                continue
            if None in row:
                yield index, "", None, [{"field": "", "message": "more cells than columns"}]
                continue
            row = {k: (v or "").strip() for k, v in row.items()}
            yield index, row.get("external_id", ""), _csv_payload(row), []
        return
    index = 0
    for line in _lines(content):
        if not line.strip():
            continue
        try:
            obj = jsontext.loads(line)
        except jsontext.InputRefused as exc:
            yield index, "", None, [{"field": exc.field, "message": exc.message}]
        except json.JSONDecodeError as exc:
            yield index, "", None, [{"field": "", "message": f"malformed JSON: {exc.msg}"}]
        except (ValueError, RecursionError):
            yield index, "", None, [{"field": "", "message": "not a JSON document"}]
        else:
            if not isinstance(obj, dict):
                yield index, "", None, [{"field": "", "message": "a JSON object is expected"}]
            else:
                external_id = obj.pop("external_id", "")
                yield index, external_id if isinstance(external_id, str) else "", obj, []
        index += 1


def inspect(content: bytes, format: str) -> int:
    """Check the file's shape before accepting it; return its number of data rows."""
    if format not in FORMATS:
        raise ImportRejected("Content-Type", "use application/x-ndjson or text/csv", 415)
    if format == "csv":
        reader = csv.reader(io.StringIO(_text(content), newline=""))
        header = next(reader, None)
        if not header:
            raise ImportRejected("body", "the CSV file has no header line")
        header = [h.strip() for h in header]
        unknown = [h for h in header if h not in CSV_COLUMNS]
        if unknown:
            raise ImportRejected(unknown[0], f"unknown column; known: {', '.join(CSV_COLUMNS)}")
        if "external_id" not in header:
            raise ImportRejected("external_id", "the external_id column is required")
        total = 0
        while True:
            try:
                next(reader)
            except StopIteration:
                break
            except csv.Error:
                pass  # counted: iter_rows reports it as a rejected row
            total += 1
    else:
        _check_utf8(content)
        total = sum(1 for line in _lines(content) if line.strip())
    if total == 0:
        raise ImportRejected("body", "the file has no data row")
    return total


def create_job(*, actor: Actor, content: bytes, format: str) -> ImportJob:
    total = inspect(content, format)
    with transaction.atomic():
        job = ImportJob.objects.create(
            organization_id=actor.organization_id,
            client_id=actor.client_id,
            user_id=actor.user_id,
            format=format,
            content=content,
            total=total,
            heartbeat_at=timezone.now(),  # queued now (``exchanges.jobs``)
        )
    return job


# --- Running ----------------------------------------------------------------------------------


def _validated(job: ImportJob, index: int, external_id, payload, errors) -> ImportRow:
    """The row's report line; ``rejected`` with its reasons when the row is invalid."""
    row = ImportRow(job=job, index=index, external_id=(external_id or "")[:128])
    if not errors:
        if not EXTERNAL_ID_RE.match(external_id or ""):
            errors = [{"field": "external_id", "message": "1 to 128 of A-Z a-z 0-9 . _ : -"}]
        else:
            errors = schemas.public_errors(schemas.validate("beneficiary-record", 1, payload))
    if errors:
        row.outcome, row.errors = "rejected", errors
    return row


def _reported(row: ImportRow, result) -> ImportRow:
    row.outcome = result.outcome if result.outcome in OUTCOMES else "updated"
    row.beneficiary_id = result.record.beneficiary_id
    return row


def _submit(actor: Actor, job: ImportJob, index: int, external_id, payload, errors) -> ImportRow:
    row = _validated(job, index, external_id, payload, errors)
    if row.outcome == "rejected":
        return row
    try:
        with transaction.atomic():  # the row's savepoint: all of it or nothing
            result = submit_record(
                actor=actor,
                external_id=external_id,
                payload=schemas.normalized(payload),
                request_id=f"import:{job.pk}",
            )
    except Exception as exc:  # a bad row must never stop the others
        logger.exception("import %s row %s failed", job.pk, index)
        row.outcome = "rejected"
        row.errors = [{"field": "", "message": f"could not be processed ({type(exc).__name__})"}]
        return row
    return _reported(row, result)


def _submit_chunk(actor: Actor, job: ImportJob, todo: list) -> list[ImportRow]:
    """Every row of the chunk, set-wise (``exchanges.setwise``): the valid rows are matched and
    written together. Should the chunk fail as a whole (a concurrent writer of one of its
    records, say), it is rolled back and its rows go one by one, each in its savepoint."""
    rows = [_validated(job, *item) for item in todo]
    valid = [(row, item) for row, item in zip(rows, todo, strict=True) if row.outcome != "rejected"]
    if not valid:
        return rows
    items = [(item[1], schemas.normalized(item[2])) for _row, item in valid]
    try:
        with transaction.atomic():
            results = submit_many(actor=actor, items=items, request_id=f"import:{job.pk}")
    except Exception:
        logger.exception("import %s: chunk at row %s goes row by row", job.pk, todo[0][0])
        return [_submit(actor, job, *item) for item in todo]
    for (row, _item), result in zip(valid, results, strict=True):
        _reported(row, result)
    return rows


def _process_chunk(actor: Actor, job_id, chunk: list) -> int | None:
    """Commit one chunk. Returns the new ``processed``, or None if the job is finished."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
            return None
        todo = [item for item in chunk if item[0] >= job.processed]
        if not todo:
            return job.processed
        if SETWISE:
            rows = _submit_chunk(actor, job, todo)
        else:
            rows = [_submit(actor, job, *item) for item in todo]
        bulkwrite.insert(ImportRow, rows)
        counts = dict.fromkeys((*OUTCOMES, "rejected"), 0)
        for row in rows:
            counts[row.outcome] += 1
        processed = todo[-1][0] + 1
        ImportJob.objects.filter(pk=job.pk).update(
            processed=processed,
            heartbeat_at=timezone.now(),
            **{name: F(name) + n for name, n in counts.items() if n},
        )
        return processed


def run_job(*, job_id, progress=None) -> str:
    """Run (or resume) an import job. ``progress(processed, total)`` is called after each chunk."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return "nothing to do"
    ImportJob.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=timezone.now())
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, heartbeat_at=timezone.now()
    )
    actor = Actor(
        organization_id=job.organization_id,
        organization_ids=(job.organization_id,),
        client_id=job.client_id,
        user_id=job.user_id,
    )
    start = job.processed
    chunk: list = []
    processed = start
    content = job.content if isinstance(job.content, bytes) else bytes(job.content)
    for item in iter_rows(content, job.format):
        if item[0] < start:
            continue
        chunk.append(item)
        if len(chunk) == CHUNK:
            processed = _process_chunk(actor, job.pk, chunk)
            chunk = []
            if processed is None:
                return "finished elsewhere"
            if progress:
                progress(processed, job.total)
    if chunk:
        processed = _process_chunk(actor, job.pk, chunk)
        if processed is None:
            return "finished elsewhere"
        if progress:
            progress(processed, job.total)
    with transaction.atomic():
        done = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
            status=ImportStatus.DONE, finished_at=timezone.now()
        )
        if done:
            job.refresh_from_db()
            emit(
                type="import.completed",
                organization_id=job.organization_id,
                subject_id=job.pk,
                data={
                    "import": str(job.pk),
                    "total": job.total,
                    "created": job.created,
                    "linked": job.linked,
                    "review": job.review,
                    "rejected": job.rejected,
                },
            )
    return "done"


def report(job: ImportJob) -> dict:
    return {
        "id": str(job.pk),
        "status": job.status,
        "format": job.format,
        "total": job.total,
        "processed": job.processed,
        "created": job.created,
        "linked": job.linked,
        "review": job.review,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "rejected": job.rejected,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
