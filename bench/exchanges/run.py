"""Exchanges benchmarks on PostgreSQL: change feed, bulk import, webhook latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pas_exchanges_bench \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/5 REDIS_URL=redis://127.0.0.1:6379/6 \
    SECRET_KEY=bench NIR_HASH_KEY=bench python bench/exchanges/run.py [--only feed,import,webhooks]

Each section prints its figure and a baseline measured in the same run, as a ratio:

* feed: events/s read by one client paging ``exchanges.feed.read_page`` (policy filter, cursor,
  serialisation), against a bare keyset ``SELECT`` paging over the same table;
* import: records/s of ``exchanges.imports.run_job`` (validation, matching, audit, events, per-row
  report) with N persons already known, against a plain ``bulk_create`` of the same rows;
* webhooks: p50/p95 from commit to receipt at 50 events/s through a real Celery worker, against a
  bare HTTP POST to the same receiver.

The database is wiped of exchanges/registry rows at start: use a dedicated database.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402


def say(text: str) -> None:
    print(text, flush=True)


def reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND ("
            "tablename LIKE 'exchanges_%%' OR tablename LIKE 'registry_%%' "
            "OR tablename LIKE 'consent_%%' OR tablename LIKE 'matching_%%' "
            "OR tablename LIKE 'oauth2_provider_%%')"
        )
        tables = [row[0] for row in cursor.fetchall()]
        if tables:
            cursor.execute(
                "SET session_replication_role = replica; TRUNCATE "
                + ", ".join(f'"{t}"' for t in tables)
                + " CASCADE; SET session_replication_role = DEFAULT"
            )


def organizations(n: int):
    from hub.registry.models import Organization

    return [
        Organization.objects.create(name=f"Bench org {i} {time.time_ns()}", kind="ccas")
        for i in range(n)
    ]


SYLLABLES = [
    "bar",
    "ber",
    "bou",
    "cha",
    "che",
    "dar",
    "del",
    "dor",
    "fa",
    "fer",
    "gar",
    "gi",
    "jou",
    "la",
    "le",
    "lon",
    "ma",
    "mar",
    "mer",
    "mo",
    "na",
    "nou",
    "pa",
    "per",
    "ri",
    "ro",
    "sa",
    "ser",
    "ta",
    "ter",
    "vi",
    "vo",
    "za",
]
FIRST = [
    "Jeanne",
    "Paul",
    "Amina",
    "Karim",
    "Louise",
    "Hugo",
    "Chloé",
    "Yanis",
    "Inès",
    "Lucas",
    "Emma",
    "Nathan",
    "Léa",
    "Adam",
    "Sarah",
    "Noah",
    "Manon",
    "Rayan",
    "Camille",
    "Léo",
    "Fatou",
    "Mamadou",
    "Océane",
    "Théo",
    "Jade",
    "Enzo",
    "Lina",
    "Mohamed",
    "Zoé",
    "Ethan",
    "Alice",
    "Gabriel",
    "Rose",
    "Louis",
    "Anna",
    "Arthur",
    "Mila",
    "Jules",
    "Nina",
    "Tom",
]


def person_row(i: int, external_id: str) -> dict:
    """A synthetic person: varied names, birth dates and postcodes (realistic block sizes)."""
    k = (i * 7919) % 1_000_003
    surname = "".join(SYLLABLES[(k // 31**j) % len(SYLLABLES)] for j in range(3)).capitalize()
    return {
        "external_id": external_id,
        "birth_name": surname,
        "first_names": FIRST[(k // 7) % len(FIRST)],
        "birth_date": f"{1940 + k % 65}-{1 + (k // 3) % 12:02d}-{1 + (k // 5) % 28:02d}",
        "sex": "F" if k % 2 else "M",
        "address": {
            "line": f"{k % 200} rue de la République",
            "postcode": f"{69001 + k % 9 if k % 3 else 38000 + (k % 500) * 10}",
            "city": "Lyon",
        },
    }


# --- Feed -----------------------------------------------------------------------------------


def bench_feed(events: int) -> None:
    from exchanges import feed
    from hub.outbox.models import Event
    from hub.registry.actors import Actor
    from hub.registry.models import Beneficiary, PartnerRecord

    reset()
    mine, other = organizations(2)
    people = Beneficiary.objects.bulk_create(Beneficiary() for _ in range(2000))
    PartnerRecord.objects.bulk_create(
        PartnerRecord(
            organization=mine, external_id=f"M-{i}", beneficiary=b, payload={"birth_name": "Martin"}
        )
        for i, b in enumerate(people[:1000])
    )
    visible = [str(b.pk) for b in people[:1000]]
    hidden = [str(b.pk) for b in people[1000:]]
    # 80 % own events (half about visible persons), 10 % about hidden persons, 10 % elsewhere.
    chunk = 5000
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for offset in range(0, events, chunk):
            with transaction.atomic():
                rows = []
                for i in range(offset, min(offset + chunk, events)):
                    kind = i % 10
                    org = other.pk if kind == 9 else mine.pk
                    ben = (
                        hidden[i % len(hidden)]
                        if kind == 8
                        else (visible[i % len(visible)] if kind % 2 else None)
                    )
                    rows.append((org, ben, f"S-{i}"))
                cursor.executemany(
                    "INSERT INTO exchanges_event (type, organization_id, shared, beneficiary_id,"
                    " subject_id, data, occurred_at, xid) VALUES ('bench.tick', %s, false, %s, %s,"
                    " '{}', now(), pg_current_xact_id()::text::bigint)",
                    rows,
                )
    say(f"feed: {events} events written in {time.perf_counter() - start:.1f}s")
    cursor_sql = connection.cursor()
    cursor_sql.execute("ANALYZE exchanges_event")

    actor = Actor(organization_id=mine.pk, organization_ids=(mine.pk,))
    start = time.perf_counter()
    read, cursor = 0, None
    while True:
        page = feed.read_page(actor=actor, cursor=cursor, limit=1000)
        body = json.dumps({"results": [feed.serialize(e) for e in page.events]})
        read += len(page.events)
        cursor = page.position.encode()
        if not page.has_more:
            break
    elapsed = time.perf_counter() - start
    assert len(body) > 0
    rate = Event.objects.count() / elapsed
    say(f"feed: client read {read} visible events, scanning {Event.objects.count()} rows")

    start = time.perf_counter()
    last, scanned = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id, type, organization_id, recipient_id, shared, beneficiary_id,"
                " subject_id, data, occurred_at, xid FROM exchanges_event WHERE id > %s"
                " ORDER BY id LIMIT 1000",
                [last],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            scanned += len(rows)
            last = rows[-1][0]
    bare = scanned / (time.perf_counter() - start)
    say(
        f"FEED  {rate:,.0f} events/s scanned ({read / elapsed:,.0f} served/s) | bare SELECT "
        f"paging {bare:,.0f} rows/s | ratio {rate / bare:.2f} (target >= 5,000 events/s)"
    )


# --- Import ---------------------------------------------------------------------------------


def ndjson(rows) -> bytes:
    return "\n".join(json.dumps(row) for row in rows).encode()


def plain_bulk_create(organization, content: list[dict]) -> float:
    """The baseline of the import benches: the same rows written as bare beneficiaries and
    records with ``bulk_create`` (no validation, matching, audit or event); rows/s."""
    from hub.registry.models import Beneficiary, PartnerRecord

    start = time.perf_counter()
    with transaction.atomic():
        people = Beneficiary.objects.bulk_create(
            (
                Beneficiary(birth_name=r["birth_name"], first_names=r["first_names"])
                for r in content
            ),
            batch_size=1000,
        )
        PartnerRecord.objects.bulk_create(
            (
                PartnerRecord(
                    organization=organization,
                    external_id=r["external_id"],
                    beneficiary=b,
                    payload=r,
                )
                for r, b in zip(content, people, strict=True)
            ),
            batch_size=1000,
        )
    return len(content) / (time.perf_counter() - start)


def bench_import(existing: int, rows: int) -> None:
    from exchanges import imports
    from hub.registry.actors import Actor

    reset()
    first, second, baseline_org = organizations(3)
    actor1 = Actor(organization_id=first.pk, organization_ids=(first.pk,))
    actor2 = Actor(organization_id=second.pk, organization_ids=(second.pk,))

    start = time.perf_counter()
    job = imports.create_job(
        actor=actor1,
        content=ndjson(person_row(i, f"E-{i}") for i in range(existing)),
        format="ndjson",
    )
    imports.run_job(job_id=job.pk)
    elapsed = time.perf_counter() - start
    say(f"import: {existing} persons loaded first ({existing / elapsed:,.0f} records/s)")

    # The measured file: one row in three is a person already known (same identity).
    content = [person_row(i if i % 3 == 0 else existing + i, f"N-{i}") for i in range(rows)]
    job = imports.create_job(actor=actor2, content=ndjson(content), format="ndjson")
    start = time.perf_counter()
    imports.run_job(job_id=job.pk)
    elapsed = time.perf_counter() - start
    job.refresh_from_db()
    rate = rows / elapsed
    say(
        f"import: {rows} rows: created={job.created} linked={job.linked} review={job.review}"
        f" rejected={job.rejected}"
    )

    bare = plain_bulk_create(baseline_org, content)
    say(
        f"IMPORT  {rate:,.0f} records/s with {existing} persons present | plain bulk_create "
        f"{bare:,.0f} rows/s | ratio {rate / bare:.3f} (target >= 1,000 records/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="feed,import,webhooks")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--existing", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    if not settings.USES_POSTGRES:
        sys.exit("bench/exchanges needs PostgreSQL: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    only = set(args.only.split(","))
    if "feed" in only:
        bench_feed(args.events)
    if "import" in only:
        bench_import(args.existing, args.rows)
    if "webhooks" in only:
        from celery_webhooks import bench_webhooks

        bench_webhooks(args.rate, args.seconds)


if __name__ == "__main__":
    main()
