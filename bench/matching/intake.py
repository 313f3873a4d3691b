"""Intake latency: one match (blocking + scoring) against N beneficiaries in the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/passerelle_bench \\
      python bench/matching/intake.py --size 1000000 --probes 2000 --outcomes /tmp/o-1m.json

Loads N synthetic persons (``generate.py``, fixed seed) as partner records with their
blocking keys and stored match features (bulk inserts, no intake; a database already holding
N records is reused, so a 1M registry is seeded once), vacuums as autovacuum would, then
times ``hub.registry.intake.match_new_record`` for probes — half noisy copies of loaded
persons, half strangers — each in a transaction that is rolled back. Prints p50/p95/p99 in
milliseconds and, as the baseline in the same run, the bare indexed look-up of the same
blocking keys (the SQL alone, run after ours), with the ratio; then what the slowest 1 % of
probes have in common (candidates compared, garbage-collector pauses). ``--outcomes FILE``
writes the probes' decisions, or compares them with a file written before (exit 1 on any
difference).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

# ``generate.py`` iterates sets: its rows, hence the probes, depend on the hash seed. A fixed
# seed gives every run the same probes, so that decisions compare across runs (``--outcomes``).
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("NIR_HASH_KEY", "bench-only")

import django  # noqa: E402

django.setup()

import generate  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from hub import matching  # noqa: E402
from hub.registry import intake  # noqa: E402
from hub.registry.models import (  # noqa: E402
    Beneficiary,
    Organization,
    OrganizationKind,
    PartnerRecord,
    RecordKey,
)
from hub.registry.validators import nir_hash  # noqa: E402

BATCH = 5000


def as_payload(row: dict) -> tuple[dict, str]:
    payload = {
        k: row[k]
        for k in ("first_names", "birth_name", "usage_name", "sex", "birth_date", "birth_place")
        if row.get(k)
    }
    address = {
        k: row[src]
        for k, src in (("line", "address"), ("postcode", "postcode"), ("city", "city"))
        if row.get(src)
    }
    if address:
        payload["address"] = address
    for k in ("phone", "email"):
        if row.get(k):
            payload[k] = row[k]
    return payload, (nir_hash(row["nir"]) if row.get("nir") else "")


def load(size: int) -> list[dict]:
    rows, _truth = generate.generate(size)
    org, _ = Organization.objects.get_or_create(
        name="Bench CCAS", defaults={"kind": OrganizationKind.CCAS}
    )
    existing = PartnerRecord.objects.filter(organization=org).count()
    if existing >= len(rows):
        print(f"registry already holds {existing} records; reusing them")
        return rows
    PartnerRecord.objects.filter(organization=org).delete()
    t0 = time.perf_counter()
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        people = [Beneficiary() for _ in chunk]
        Beneficiary.objects.bulk_create(people, batch_size=BATCH)
        records, keys = [], []
        for row, person in zip(chunk, people, strict=True):
            payload, digest = as_payload(row)
            prepared = intake.prepared_for("new", payload, digest)
            record = PartnerRecord(
                organization=org,
                external_id=row["id"],
                beneficiary=person,
                payload=payload,
                nir_hash=digest,
                # What intake compares, stored at write time as ``record_upsert`` does.
                match_features=intake.stored_features(prepared, 1),
            )
            records.append(record)
            keys.extend(RecordKey(record=record, key=k) for k in matching.blocking_keys(prepared))
        PartnerRecord.objects.bulk_create(records, batch_size=BATCH)
        RecordKey.objects.bulk_create(keys, batch_size=BATCH * 4)
        done = start + len(chunk)
        if done % 100_000 < BATCH:
            print(f"  loaded {done} records ({time.perf_counter() - t0:.0f} s)", flush=True)
    return rows


def vacuum() -> None:
    """What autovacuum does after a bulk load (it is off on the shared bench server): the
    visibility map that lets the key look-up read its index alone, and fresh statistics."""
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) registry_recordkey, registry_partnerrecord, registry_beneficiary"
            + (
                ", registry_blocksize"
                if "registry_blocksize" in connection.introspection.table_names()
                else ""
            )
        )


def summary(decision) -> list:
    """What a probe's decision says, in a form that compares across runs."""
    return [
        decision.outcome,
        str(decision.beneficiary.pk) if decision.beneficiary else None,
        None if decision.score is None else round(decision.score, 9),
        decision.grade,
        [[str(c.beneficiary_id), round(c.score, 9), c.grade] for c in decision.review_candidates],
    ]


def compare_outcomes(path: Path, decisions: list) -> None:
    if not path.exists():
        path.write_text(json.dumps(decisions))
        print(f"decisions of the {len(decisions)} probes written to {path}")
        return
    before = json.loads(path.read_text())
    differ = [i for i, (a, b) in enumerate(zip(before, decisions, strict=True)) if a != b]
    print(f"decisions identical to {path}: {len(decisions) - len(differ)}/{len(decisions)}")
    if differ:
        for i in differ[:5]:
            print(f"  probe {i}: was {before[i]}, now {decisions[i]}")
        sys.exit(1)


def _gc_timer(out: list):
    started = [0.0]

    def callback(phase, _info):
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            out.append((time.perf_counter() - started[0]) * 1000)

    return callback


def candidate_count(payload: dict, digest: str) -> int:
    """Records the probe is compared with (untimed: the same look-up as intake's)."""
    if not hasattr(intake, "lookups"):  # the code before the block-size table
        return -1
    keys = matching.blocking_keys(intake.prepared_for("probe", payload, digest))
    caps = [matching.block_cap(k) for k in keys]
    _usable, rows = intake.lookups.intake_candidates(
        keys, caps, limit=intake.MAX_CANDIDATE_RECORDS, engine=1, whole=False
    )
    return len(rows)


def describe_tail(full: list[float], paused: list[float], sizes: list[int]) -> None:
    """What the slowest 1 % of probes have that the others do not."""
    cut = percentile(full, 99)
    tail = [i for i, v in enumerate(full) if v >= cut]
    rest = [i for i, v in enumerate(full) if v < cut]
    for name, group in (("slowest 1 %", tail), ("other probes", rest)):
        gc_share = sum(1 for i in group if paused[i] > 0) / len(group)
        print(
            f"  {name}: {len(group)} probes, mean {statistics.fmean(full[i] for i in group):.2f} ms, "
            f"mean candidates {statistics.fmean(sizes[i] for i in group):.0f}, "
            f"with a GC pause {gc_share:.0%} (mean pause "
            f"{statistics.fmean(paused[i] for i in group):.2f} ms)"
        )
    capped = sum(1 for n in sizes if n >= 500)
    print(f"  probes at the {500}-record cap: {capped}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=1000)
    parser.add_argument(
        "--outcomes",
        type=Path,
        help="JSON file of the probes' decisions: written when absent, else compared with",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("this benchmark needs PostgreSQL: set DATABASE_URL")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rows = load(args.size)
    vacuum()
    rng = random.Random(7)
    probes = []
    for i in range(args.probes):
        if i % 2 == 0:
            row = dict(rng.choice(rows))
            row["phone"] = ""  # a noisy copy: no phone, first name case changed
            row["first_names"] = row["first_names"].upper()
        else:
            row = {
                "first_names": f"Zéphyrin{i}",
                "birth_name": f"Inconnu{i}",
                "birth_date": f"19{rng.randint(30, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            }
        probes.append(as_payload(row))
    # The generated rows (a million dicts at 1M) are no part of a web process: kept alive,
    # every full collection of the garbage collector would walk them (30-70 ms pauses).
    del rows
    gc.collect()
    org = Organization.objects.get(name="Bench CCAS")
    full, bare = [], []
    outcomes = {}
    decisions = []
    collected: list[float] = []  # garbage-collector pauses (ms) of the current probe
    gc.callbacks.append(_gc_timer(collected))
    paused, sizes = [], []
    for payload, digest in probes:
        collected.clear()
        with transaction.atomic():
            t0 = time.perf_counter()
            decision = intake.match_new_record(organization=org, payload=payload, nir_digest=digest)
            full.append((time.perf_counter() - t0) * 1000)
            transaction.set_rollback(True)
        paused.append(sum(collected))
        sizes.append(candidate_count(payload, digest))
        outcomes[decision.outcome] = outcomes.get(decision.outcome, 0) + 1
        decisions.append(summary(decision))
        keys = matching.blocking_keys(intake.prepared_for("probe", payload, digest))
        with transaction.atomic():
            t0 = time.perf_counter()
            list(
                PartnerRecord.objects.filter(
                    pk__in=RecordKey.objects.filter(key__in=keys).values("record_id")
                ).values_list("id", "payload", "nir_hash", "beneficiary_id")[:500]
            )
            bare.append((time.perf_counter() - t0) * 1000)
    print(
        f"\nintake match against {PartnerRecord.objects.count():,} records ({args.probes} probes; outcomes {outcomes})"
    )
    print(f"{'':24}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for name, values in (("match (ours)", full), ("bare key look-up (SQL)", bare)):
        print(
            f"{name:24}{percentile(values, 50):>10.2f}{percentile(values, 95):>10.2f}{percentile(values, 99):>10.2f}{statistics.fmean(values):>10.2f}"
        )
    print(f"ratio match/bare p99: {percentile(full, 99) / percentile(bare, 99):.2f}")
    describe_tail(full, paused, sizes)
    if args.outcomes:
        compare_outcomes(args.outcomes, decisions)


if __name__ == "__main__":
    main()
