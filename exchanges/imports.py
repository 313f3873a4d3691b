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

import logging
import re
from concurrent.futures import ThreadPoolExecutor

from django.db import transaction
from django.db.models import F
from django.utils import timezone

import schemas
from exchanges import importfiles
from exchanges.importfiles import (  # noqa: F401  (the names callers know from this module)
    CSV_COLUMNS,
    FORMATS,
    ImportRejected,
    inspect,
    iter_rows,
)
from exchanges.models import ImportJob, ImportRow, ImportStatus
from exchanges.records import submit_record
from exchanges.setwise import submit_many
from hub import bulkwrite
from hub.collector import Chunks
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from hub.registry.bulk import Ahead, ahead
from hub.registry.pool import Features

logger = logging.getLogger(__name__)

# Rows per transaction. Access rows are appended without a lock (``consent.seal``), so a chunk
# holds back only the intakes that share one of its blocking keys.
CHUNK = 500
# Set-wise intake (``exchanges.setwise``); False: one savepoint and one full intake per row
# (the reference the tests compare it with).
SETWISE = True
EXTERNAL_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
OUTCOMES = ("created", "linked", "review", "updated", "unchanged")


def create_job(*, actor: Actor, content, format: str) -> ImportJob:
    """Check the file (bytes or a seekable binary file) and queue its job. A file larger than
    ``importfiles.INLINE_BYTES`` is stored in parts, never read whole."""
    total = inspect(content, format)
    inline = importfiles.size_of(content) <= importfiles.INLINE_BYTES
    with transaction.atomic():
        job = ImportJob.objects.create(
            organization_id=actor.organization_id,
            client_id=actor.client_id,
            user_id=actor.user_id,
            format=format,
            content=_whole(content) if inline else b"",
            total=total,
            heartbeat_at=timezone.now(),  # queued now (``exchanges.jobs``)
        )
        if not inline:
            importfiles.store(job, content)
    return job


def _whole(content) -> bytes:
    if isinstance(content, bytes):
        return content
    return importfiles.as_stream(content).read()


# --- Running ----------------------------------------------------------------------------------


def _errors(external_id, payload, errors) -> list:
    """The row's reasons to be rejected (the file's own, else its id's and its payload's)."""
    if errors:
        return errors
    if not EXTERNAL_ID_RE.match(external_id or ""):
        return [{"field": "external_id", "message": "1 to 128 of A-Z a-z 0-9 . _ : -"}]
    return schemas.public_errors(schemas.validate("beneficiary-record", 1, payload))


def _line(job: ImportJob, index: int, external_id, errors: list) -> ImportRow:
    """The row's report line; ``rejected`` with its reasons when it has any."""
    row = ImportRow(job=job, index=index, external_id=(external_id or "")[:128])
    if errors:
        row.outcome, row.errors = "rejected", errors
    return row


def _validated(job: ImportJob, index: int, external_id, payload, errors) -> ImportRow:
    return _line(job, index, external_id, _errors(external_id, payload, errors))


def _read_ahead(chunk: list, format: str) -> tuple[list, list]:
    """The chunk's rows (an NDJSON chunk comes as unparsed lines: ``importfiles.parse_line``)
    and their ``_ahead``: what ``run_job``'s helper thread does for the next chunk."""
    if format == "ndjson":
        chunk = [importfiles.parse_line(index, line) for index, line in chunk]
    return chunk, _ahead(chunk)


def _ahead(chunk: list) -> list[tuple[list, dict | None, Ahead | None]]:
    """(errors, normalised payload, ``bulk.ahead``) of each row of a chunk: validation and
    the preparation for matching, which read no table. ``run_job`` has a helper thread work
    them out for the next chunk while this one waits on the database."""
    out = []
    for _index, external_id, payload, errors in chunk:
        errors = _errors(external_id, payload, errors)
        if errors:
            out.append((errors, None, None))
        else:
            clean = schemas.normalized(payload)
            out.append(([], clean, ahead(clean)))
    return out


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


def _submit_chunk(
    actor: Actor, job: ImportJob, todo: list, features=None, checked=None
) -> list[ImportRow]:
    """Every row of the chunk, set-wise (``exchanges.setwise``): the valid rows are matched and
    written together. ``checked``: the rows' ``_ahead``, if worked out already. Should the
    chunk fail as a whole (a concurrent writer of one of its records, say), it is rolled back
    and its rows go one by one, each in its savepoint."""
    checked = checked if checked is not None else _ahead(todo)
    rows = [
        _line(job, item[0], item[1], errors)
        for item, (errors, _clean, _ready) in zip(todo, checked, strict=True)
    ]
    valid = [
        (row, item[1], c) for row, item, c in zip(rows, todo, checked, strict=True) if not c[0]
    ]
    if not valid:
        return rows
    try:
        with transaction.atomic():
            results = submit_many(
                actor=actor,
                items=[(external_id, clean) for _row, external_id, (_e, clean, _r) in valid],
                request_id=f"import:{job.pk}",
                features=features,
                ready=[ready for _row, _external_id, (_e, _c, ready) in valid],
            )
    except Exception:
        logger.exception("import %s: chunk at row %s goes row by row", job.pk, todo[0][0])
        return [_submit(actor, job, *item) for item in todo]
    for (row, _external_id, _checked), result in zip(valid, results, strict=True):
        _reported(row, result)
    return rows


def _process_chunk(actor: Actor, job_id, chunk: list, features=None, checked=None) -> int | None:
    """Commit one chunk (``checked``: its rows' ``_ahead``, if worked out already). Returns
    the new ``processed``, or None if the job is finished."""
    with transaction.atomic():
        # The job row without its file: an inline file (up to ``importfiles.INLINE_BYTES``)
        # is read once by ``run_job``, not again with each chunk's lock.
        job = ImportJob.objects.select_for_update().defer("content").get(pk=job_id)
        if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
            return None
        todo = [item for item in chunk if item[0] >= job.processed]  # a suffix: rows in order
        if not todo:
            return job.processed
        if SETWISE:
            if checked is not None:
                checked = checked[len(chunk) - len(todo) :]
            rows = _submit_chunk(actor, job, todo, features, checked)
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


def _chunks(rows, start: int):
    """The file's rows (an NDJSON file's unparsed lines) from index ``start`` on, in lists of
    ``CHUNK``."""
    chunk: list = []
    for item in rows:
        if item[0] < start:
            continue
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _commit(actor: Actor, job: ImportJob, pending, features, collector, progress) -> bool:
    """Process one chunk (the future of its ``_read_ahead``); False if the job is finished
    elsewhere."""
    chunk, checked = pending.result()
    with collector.chunk():
        processed = _process_chunk(actor, job.pk, chunk, features, checked)
    if processed is None:
        return False
    if progress:
        progress(processed, job.total)
    return True


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
    features = Features()  # candidates met by a chunk, kept for the next ones (bounded)
    collector = Chunks()  # no automatic garbage collection inside a chunk
    # One chunk ahead: while a chunk is matched and written (much of it waiting on the
    # database), the helper thread parses, validates and prepares the next (``_read_ahead``,
    # no query: the file itself is read here).
    stream = importfiles.job_stream(job)
    if job.format == "ndjson":
        source = importfiles.ndjson_lines(stream)
    else:
        source = iter_rows(stream, job.format)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-ahead") as helper:
        pending = None
        for chunk in _chunks(source, job.processed):
            upcoming = helper.submit(_read_ahead, chunk, job.format)
            if pending is not None and not _commit(
                actor, job, pending, features, collector, progress
            ):
                return "finished elsewhere"
            pending = upcoming
        if pending is not None and not _commit(actor, job, pending, features, collector, progress):
            return "finished elsewhere"
    with transaction.atomic():
        done = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
            status=ImportStatus.DONE, finished_at=timezone.now()
        )
        if done:
            job = ImportJob.objects.defer("content").get(pk=job.pk)
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
