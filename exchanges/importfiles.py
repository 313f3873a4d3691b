"""Import files read as streams: checked, counted and parsed a line at a time.

A file reaches an import as bytes (a small file, the management command) or as a binary file
(the API spools the request body to a temporary file, a mebibyte at a time). A job keeps a
small file in ``ImportJob.content`` and a large one in ``ImportPart`` rows of ``PART_BYTES``;
its runner reads the parts one after the other (``job_stream``), so neither the web process
nor the worker ever holds the whole file.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import tempfile

from exchanges.models import ImportJob, ImportPart
from schemas import jsontext

FORMATS = ("ndjson", "csv")
PART_BYTES = 4 << 20  # one ImportPart row
INLINE_BYTES = 8 << 20  # a file up to this size stays in ImportJob.content, as before
SPOOL_BYTES = 1 << 20  # an upload is kept in memory up to this size, then in a temporary file
READ_BYTES = 1 << 20
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


class ImportRejected(Exception):
    def __init__(self, field: str, message: str, status: int = 400):
        self.field = field
        self.message = message
        self.status = status
        super().__init__(f"{field}: {message}")


def _not_utf8() -> ImportRejected:
    return ImportRejected("body", "the file is not valid UTF-8")


def as_stream(content) -> io.BufferedIOBase:
    """A binary stream at its start, from bytes or a binary file (rewound when seekable; a
    job's stream of parts is read once, from its start)."""
    if isinstance(content, (bytes, bytearray, memoryview)):
        return io.BytesIO(content)
    if content.seekable():
        content.seek(0)
    return content


def spool(read, limit: int, digest=None):
    """The body read by ``read(n)`` into a temporary file (in memory while small), and its
    size; ``digest`` (a hashlib object) is fed every byte. ``None`` when over ``limit``."""
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned)
    size = 0
    while True:
        block = read(READ_BYTES)
        if not block:
            break
        size += len(block)
        if size > limit:
            spooled.close()
            return None, size
        if digest is not None:
            digest.update(block)
        spooled.write(block)
    spooled.seek(0)
    return spooled, size


# --- Parsing ----------------------------------------------------------------------------------


def _lines(stream):
    """NDJSON lines, split on line feeds only (``str.splitlines`` also splits on U+2028...),
    decoded one at a time: the file is never held as one decoded text nor as a list of lines.
    A line feed never occurs inside a UTF-8 sequence, so a line decodes on its own."""
    first = True
    ended = True  # the file ends with a line feed (or is empty): one more, empty, line
    for raw in stream:
        if first and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        first = False
        ended = raw.endswith(b"\n")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _not_utf8() from None
        yield line.removesuffix("\n").removesuffix("\r")
    if ended:
        yield ""


@contextlib.contextmanager
def _text(stream):
    """The stream decoded; detached after, so that closing the text does not close it."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        yield text
    finally:
        text.detach()


def _csv_payload(row: dict) -> dict:
    payload = {name: row[name] for name in PLAIN_COLUMNS if row.get(name)}
    address = {key: row[col] for col, key in ADDRESS_COLUMNS.items() if row.get(col)}
    if address:
        payload["address"] = address
    return payload


def _csv_rows(stream):
    with _text(stream) as text:
        yield from _csv_reader_rows(csv.DictReader(text))


def _csv_reader_rows(reader):
    index = -1
    while True:
        index += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise _not_utf8() from None
        except csv.Error as exc:
            yield index, "", None, [{"field": "", "message": f"malformed CSV: {exc}"}]
            continue
        if None in row:
            yield index, "", None, [{"field": "", "message": "more cells than columns"}]
            continue
        row = {k: (v or "").strip() for k, v in row.items()}
        yield index, row.get("external_id", ""), _csv_payload(row), []


def iter_rows(content, format: str):
    """Yield (index, external_id, payload, errors) for every data row, index from 0;
    ``content``: bytes or a binary stream."""
    if format == "csv":
        yield from _csv_rows(as_stream(content))
        return
    for index, line in ndjson_lines(content):
        yield parse_line(index, line)


def ndjson_lines(content):
    """(index, line) of every non-blank line of an NDJSON file, index from 0, unparsed:
    ``parse_line`` gives its row (an import parses a chunk in its helper thread)."""
    index = 0
    for line in _lines(as_stream(content)):
        if line.strip():
            yield index, line
            index += 1


def parse_line(index: int, line: str) -> tuple:
    """(index, external_id, payload, errors) of one NDJSON line."""
    try:
        obj = jsontext.loads(line)
    except jsontext.InputRefused as exc:
        return index, "", None, [{"field": exc.field, "message": exc.message}]
    except json.JSONDecodeError as exc:
        return index, "", None, [{"field": "", "message": f"malformed JSON: {exc.msg}"}]
    except (ValueError, RecursionError):
        return index, "", None, [{"field": "", "message": "not a JSON document"}]
    if not isinstance(obj, dict):
        return index, "", None, [{"field": "", "message": "a JSON object is expected"}]
    external_id = obj.pop("external_id", "")
    return index, external_id if isinstance(external_id, str) else "", obj, []


def _check_utf8(stream) -> None:
    """Refuse a file that is not UTF-8, a mebibyte at a time (no decoded copy of the file)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while block := stream.read(READ_BYTES):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _not_utf8() from None


def _count_csv(stream) -> int:
    with _text(stream) as text:
        return _count_csv_rows(csv.reader(text))


def _count_csv_rows(reader) -> int:
    try:
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
                return total
            except csv.Error:
                pass  # counted: iter_rows reports it as a rejected row
            total += 1
    except UnicodeDecodeError:
        raise _not_utf8() from None


def inspect(content, format: str) -> int:
    """Check the file's shape before accepting it; return its number of data rows."""
    if format not in FORMATS:
        raise ImportRejected("Content-Type", "use application/x-ndjson or text/csv", 415)
    if format == "csv":
        total = _count_csv(as_stream(content))
    else:
        _check_utf8(as_stream(content))
        total = sum(1 for line in _lines(as_stream(content)) if line.strip())
    if total == 0:
        raise ImportRejected("body", "the file has no data row")
    return total


# --- Storage ----------------------------------------------------------------------------------


def store(job: ImportJob, content) -> None:
    """Keep a large file as ``ImportPart`` rows, a part at a time (in the job's transaction)."""
    stream = as_stream(content)
    seq = 0
    while block := stream.read(PART_BYTES):
        ImportPart.objects.create(job=job, seq=seq, data=block)
        seq += 1


class _Parts(io.RawIOBase):
    """The parts of a job as one read-only binary stream, fetched one at a time."""

    def __init__(self, job_id, count: int):
        self.job_id, self.count, self.seq = job_id, count, 0
        self.block, self.offset = b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self.offset >= len(self.block):
            if self.seq >= self.count:
                return 0
            data = (
                ImportPart.objects.filter(job_id=self.job_id, seq=self.seq)
                .values_list("data", flat=True)
                .get()
            )
            self.block, self.offset, self.seq = bytes(data), 0, self.seq + 1
        n = min(len(buffer), len(self.block) - self.offset)
        buffer[:n] = self.block[self.offset : self.offset + n]
        self.offset += n
        return n


def job_stream(job: ImportJob) -> io.BufferedIOBase:
    """The job's file as a binary stream: its parts when it has some, else its content."""
    count = ImportPart.objects.filter(job_id=job.pk).count()
    if count:
        return io.BufferedReader(_Parts(job.pk, count), buffer_size=READ_BYTES)
    content = job.content if isinstance(job.content, bytes) else bytes(job.content)
    return io.BytesIO(content)


def size_of(content) -> int:
    if isinstance(content, (bytes, bytearray, memoryview)):
        return len(content)
    stream = as_stream(content)
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    return size
