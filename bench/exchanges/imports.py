"""Import throughput: records/s of ``exchanges.imports.run_job`` into a registry of N persons.

PostgreSQL (the database is TRUNCATED: use a dedicated one)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/passerelle_intake_bench \\
    SECRET_KEY=bench NIR_HASH_KEY=bench \\
    python bench/exchanges/imports.py --existing 100000 --rows 10000

The embedded default (SQLite in a fresh ``PASSERELLE_VAR_DIR``)::

    PASSERELLE_VAR_DIR=$(mktemp -d) python bench/exchanges/imports.py --existing 100000 --rows 10000

N persons are loaded first (timed, printed), by one partner: written directly with their
stored features and blocking keys (``--seed bare``, the default), or through the import
itself (``--seed import``, hours at 100k on a loaded machine); then
another partner imports the measured file, where one row in three is a person already known
(the same identity) and the others are new (similar made-up names: many review candidates).
Every row goes through validation, matching, golden records, review items, access rows,
events and the per-row report. Baselines in the same run: a plain ``bulk_create`` of the same
rows as beneficiaries and partner records (no matching, no keys, no audit), and the floor: the
writes the registry itself needs for them (records with their stored features, golden records,
blocking keys, written as the seed is, in chunks of the import's size, committed then
deleted), without matching, decisions, review items, access rows or events. ``--rows 0`` only
seeds; ``--reuse`` skips the reset and the seeding of a database that holds them (a copy of a
seeded one, ``createdb -T``: seconds instead of minutes between runs). ``--rowwise``
runs the measured file through the row-by-row path instead (one savepoint and one full
intake per row). Prints the peak resident memory of the process too, the first chunk's time
apart from the steady rate of the chunks after it (the first reads a cold copy), and, for a
file of 50,000 rows or more, the memory at every tenth. The measured file is written to a
temporary file and handed over as a stream, so a file of a million rows measures the import's
memory, not the bench's; the baseline writes its first 20,000 rows at most. Prints too the CPU
time a record costs in this process and in the PostgreSQL server's process of its connection
(when the server runs on this machine), and the rate the machine's cores would allow if every
part were overlapped.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.append(str(ROOT / "bench" / "matching"))  # after bench/exchanges: its run.py wins
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

import generate  # noqa: E402  (bench/matching: French name frequencies)
import run  # noqa: E402  (django.setup(), synthetic persons, reset of the PostgreSQL tables)
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

say = run.say


def load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


_GEN = generate.Gen(0)


def french_row(i: int, external_id: str) -> dict:
    """Person ``i`` drawn as ``bench/matching/generate.py`` draws an entity (seeded by ``i``,
    so the same ``i`` is the same person): surnames by French frequency (a Zipf law over the
    200 most common, else made of syllables), first names by sex and frequency, birth dates
    1935-2006, 60 cities, contact details and NIR as often as the generator gives them."""
    _GEN.r.seed(i)
    e = _GEN.entity()
    (postcode, city, _insee), line = e["home"]
    row = {
        "external_id": external_id,
        "birth_name": e["surname"],
        "first_names": e["first"],
        "sex": e["sex"],
        "birth_date": "{:04d}-{:02d}-{:02d}".format(*e["date"]),
        "birth_place": e["birth_place"][1],
        "address": {"line": line, "postcode": postcode, "city": city},
    }
    if e["spouse"]:
        row["usage_name"] = e["spouse"]
    for name in ("phone", "email", "nir"):
        if e[name]:
            row[name] = e[name]
    return row


PEOPLE = {"french": french_row, "small": run.person_row}


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> tuple[float, float | None]:
    """(this process's CPU seconds, all its threads; the CPU seconds of its database server
    process, when the server runs on this machine: PostgreSQL's backend of the connection)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    mine = usage.ru_utime + usage.ru_stime
    if connection.vendor != "postgresql":
        return mine, None  # SQLite runs inside this process
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return mine, None  # a server on another machine
    return mine, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def current_mib() -> float:
    """The resident memory of the process now (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def write_bare(organization, rows: list[dict]) -> None:
    """Rows written directly as the registry holds them: one beneficiary with its golden
    record, one partner record with its stored features and its blocking keys per row, by
    ``hub.bulkwrite`` (COPY on PostgreSQL; no matching, no audit, no events)."""
    from hub import bulkwrite, matching
    from hub.registry import intake
    from hub.registry.golden import survive
    from hub.registry.models import Beneficiary, PartnerRecord, RecordKey
    from hub.registry.services import split_nir

    records, people, keys = [], [], []
    for row in rows:
        clean, digest = split_nir({k: v for k, v in row.items() if k != "external_id"})
        prepared = intake.prepared_for("new", clean, digest)
        person = Beneficiary()
        record = PartnerRecord(
            organization=organization,
            external_id=row["external_id"],
            beneficiary_id=person.pk,
            payload=clean,
            nir_hash=digest,
            match_features=intake.stored_features(prepared, 1),
        )
        records.append(record)
        people.append(person)
        keys.extend((record.pk, key) for key in matching.blocking_keys(prepared))
    bulkwrite.insert(PartnerRecord, records)
    for person, record in zip(people, records, strict=True):
        for name, value in survive([record]).items():
            setattr(person, name, value)
    bulkwrite.insert(Beneficiary, people)
    bulkwrite.insert_values(RecordKey, ["record_id", "key"], keys)


def seed_bare(organization, count: int, person_row) -> None:
    """The registry of N persons written by ``write_bare``, 5,000 a transaction."""
    for start in range(0, count, 5000):
        with transaction.atomic():
            write_bare(
                organization,
                [person_row(i, f"E-{i}") for i in range(start, min(count, start + 5000))],
            )


def bare_writes(organization, rows: list[dict]) -> float:
    """The floor of the import in the same run: ``write_bare`` of the measured rows in
    chunks of the import's size, one transaction each (its foreign keys checked at commit, as
    the import's are); rows/s. The rows are deleted afterwards, untimed: the registry keeps its
    N persons. What the import adds to this floor is the matching, the decisions, the review
    items, the access rows, the events and the report."""
    from exchanges import imports
    from hub.registry.models import Beneficiary, PartnerRecord, RecordKey

    size = imports.CHUNK
    start = time.perf_counter()
    for first in range(0, len(rows), size):
        with transaction.atomic():
            write_bare(organization, rows[first : first + size])
    elapsed = time.perf_counter() - start
    with transaction.atomic():
        records = PartnerRecord.objects.filter(organization=organization)
        people = list(records.values_list("beneficiary_id", flat=True))
        RecordKey.objects.filter(record__organization=organization).delete()
        records.delete()
        Beneficiary.objects.filter(pk__in=people).delete()
    return len(rows) / elapsed


def bench_upload(actor, rows: int, person_row) -> None:
    """A file of ``rows`` rows through the upload path: spooled from its stream as the API's
    parser spools a body (hashed for Idempotency-Key), checked and stored in parts by
    ``create_job``, then read back row by row as ``run_job`` reads it. Prints the peak RSS."""
    import hashlib

    from exchanges import importfiles, imports

    before = peak_mib()
    with tempfile.TemporaryFile() as source:
        for i in range(rows):
            source.write(json.dumps(person_row(i, f"U-{i}"), ensure_ascii=False).encode())
            source.write(b"\n")
        size = source.tell()
        source.seek(0)
        say(f"file: {rows:,} rows, {size / 2**20:,.0f} MiB; peak RSS so far {peak_mib():,.0f} MiB")
        start = time.perf_counter()
        spooled, _size = importfiles.spool(source.read, 1 << 40, hashlib.sha256())
        spooled_at = time.perf_counter()
        job = imports.create_job(actor=actor, content=spooled, format="ndjson")
        stored_at = time.perf_counter()
        spooled.close()
    parts = job.parts.count()
    count = sum(1 for _ in importfiles.iter_rows(importfiles.job_stream(job), job.format))
    read_at = time.perf_counter()
    say(
        f"UPLOAD {rows:,} rows ({size / 2**20:,.0f} MiB): spooled in {spooled_at - start:.1f} s, "
        f"checked and stored in {parts} parts in {stored_at - spooled_at:.1f} s, "
        f"{count:,} rows parsed back in {read_at - stored_at:.1f} s | peak RSS {peak_mib():,.0f} MiB "
        f"(before the file: {before:,.0f} MiB) | load average {load_average()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--existing", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rowwise", action="store_true")
    parser.add_argument(
        "--seed",
        choices=("bare", "import"),
        default="bare",
        help="load the N persons by COPY (default) or through the import itself",
    )
    parser.add_argument(
        "--names",
        choices=tuple(PEOPLE),
        default="french",
        help="French name frequencies (default) or the old small lists (huge blocks)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="the database holds the N persons already (a copy of a seeded one: createdb -T); "
        "neither reset nor seed it",
    )
    parser.add_argument("--profile", metavar="FILE", help="cProfile the measured import into FILE")
    parser.add_argument("--chunk", type=int, help="rows per chunk (default: imports.CHUNK)")
    parser.add_argument(
        "--upload-rows",
        type=int,
        metavar="N",
        help="only the upload path: a file of N rows spooled, stored in parts and read back",
    )
    args = parser.parse_args()
    person_row = PEOPLE[args.names]

    from exchanges import imports
    from hub.registry.actors import Actor

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql" and not args.reuse:
        run.reset()
    first, second, baseline_org, floor_org = run.organizations(4)
    actor1 = Actor(organization_id=first.pk, organization_ids=(first.pk,))
    actor2 = Actor(organization_id=second.pk, organization_ids=(second.pk,))
    say(f"{connection.vendor}; names {args.names}; load average {load_average()}")
    if args.upload_rows:
        bench_upload(actor1, args.upload_rows, person_row)
        return

    start = time.perf_counter()
    if args.reuse:
        pass
    elif args.seed == "import":
        job = imports.create_job(
            actor=actor1,
            content=run.ndjson(person_row(i, f"E-{i}") for i in range(args.existing)),
            format="ndjson",
        )
        imports.run_job(job_id=job.pk)
    else:
        seed_bare(first, args.existing, person_row)
    if connection.vendor == "postgresql":
        # A registry of N persons has been vacuumed and analysed by autovacuum: planner
        # statistics, and a visibility map that lets the key look-up read the index alone. A
        # table just filled by COPY has neither (the look-ups would be planned for an empty
        # table, and every key read would visit the heap).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    elapsed = time.perf_counter() - start
    say(
        f"loaded {args.existing} persons ({'reused' if args.reuse else args.seed}) in {elapsed:.0f} s "
        f"({args.existing / elapsed:,.0f} records/s; load average {load_average()})"
    )

    if not args.rows:
        return

    def measured(i: int) -> dict:
        return person_row(i if i % 3 == 0 else args.existing + i, f"N-{i}")

    # The file is written to a temporary file and handed over as a stream (as the API's parser
    # spools a body): a file of a million rows is never held in memory by the bench itself.
    with tempfile.TemporaryFile() as source:
        for i in range(args.rows):
            source.write(json.dumps(measured(i), ensure_ascii=False).encode() + b"\n")
        source.seek(0)
        job = imports.create_job(actor=actor2, content=source, format="ndjson")
    say(f"measured file stored; peak RSS so far {peak_mib():,.0f} MiB")
    imports.SETWISE = not args.rowwise
    if args.chunk:
        imports.CHUNK = args.chunk
    profiler = cProfile.Profile() if args.profile else None
    cpu_before = cpu_seconds()
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    marks = []  # (rows processed, seconds since the start) after each chunk
    tenth = max(args.rows // 10, 1)

    def progress(processed: int, _total: int) -> None:
        before = marks[-1][0] if marks else 0
        marks.append((processed, time.perf_counter() - start))
        if args.rows >= 50_000 and processed // tenth != before // tenth:
            say(
                f"  {processed:,} rows in {marks[-1][1]:,.0f} s | "
                f"RSS now {current_mib():,.0f} MiB, peak {peak_mib():,.0f} MiB"
            )

    imports.run_job(job_id=job.pk, progress=progress)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    elapsed = time.perf_counter() - start
    cpu_after = cpu_seconds()
    job.refresh_from_db()
    rate = args.rows / elapsed
    say(
        f"measured file: {args.rows} rows in {elapsed:.1f} s: created={job.created} "
        f"linked={job.linked} review={job.review} rejected={job.rejected}"
    )

    if len(marks) > 2:
        # The first chunk reads a cold copy of the registry (``createdb -T``): the steady rate
        # is that of the chunks after it.
        (rows0, t0), (rows1, t1) = marks[0], marks[-1]
        say(
            f"first chunk {rows0} rows in {t0:.1f} s; the {len(marks) - 1} after it "
            f"{(rows1 - rows0) / (t1 - t0):,.0f} records/s"
        )
    # Where the time goes: CPU per record in this process (Python, and SQLite when it is the
    # database) and in the database server's process. Their sum bounds the rate the machine's
    # cores could reach were every part overlapped: cores / (CPU per record).
    client = (cpu_after[0] - cpu_before[0]) / args.rows
    line = f"CPU per record: import process {client * 1000:.2f} ms"
    total = client
    if cpu_after[1] is not None:
        server = (cpu_after[1] - cpu_before[1]) / args.rows
        total += server
        line += f", database server {server * 1000:.2f} ms"
    cores = os.cpu_count() or 1
    say(
        f"{line}; wall {1000 / rate:.2f} ms | with every part overlapped on {cores} cores: "
        f"at most {cores / total:,.0f} records/s"
    )
    # The baseline writes the same rows (at most the first 20,000: its own cost is linear).
    baseline_rows = [measured(i) for i in range(min(args.rows, 20_000))]
    bare = run.plain_bulk_create(baseline_org, baseline_rows)
    floor = bare_writes(floor_org, baseline_rows)
    path = "row by row" if args.rowwise else f"set-wise, chunks of {imports.CHUNK}"
    say(
        f"IMPORT ({connection.vendor}, {path}) {rate:,.0f} records/s with {args.existing} "
        f"persons present | plain bulk_create {bare:,.0f} rows/s | ratio {rate / bare:.3f} | "
        f"peak RSS {peak_mib():,.0f} MiB | load average {load_average()}"
    )
    say(
        f"FLOOR the registry's own writes without matching (records with their features, "
        f"golden records, blocking keys; chunks of {imports.CHUNK}) {floor:,.0f} rows/s "
        f"| import / floor {rate / floor:.3f}"
    )


if __name__ == "__main__":
    main()
