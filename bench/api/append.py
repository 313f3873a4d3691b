"""Access-log append bench: audited transactions per second with 1 and N concurrent writers,
this design (an INSERT with no lock, sealed by the sequencer running alongside) against the
former design (advisory lock held to commit, chain head read, hash, INSERT), same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/passerelle_bench \\
        .venv/bin/python bench/api/append.py --writers 1,8 --transactions 2000

No HTTP: each writer is a thread with its own connection running ``transaction.atomic()`` +
one access row, so what is measured is the serialisation, not the web stack. The former design
writes into a scratch copy of the table (``bench_locked_accesslog``, created and dropped here).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRATCH = "bench_locked_accesslog"


def former_append(connection, index: int) -> None:
    """The former log_access: lock and head in one round trip, hash, INSERT, lock to commit."""
    from consent.chain import GENESIS, digest, lock_key

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_advisory_xact_lock({lock_key(SCRATCH)}); "
            f"SELECT id, hash FROM {SCRATCH} ORDER BY id DESC LIMIT 1"  # noqa: S608
        )
        cursor.nextset()
        last = cursor.fetchone()
        prev = last[1] if last else GENESIS
        row_id = (last[0] + 1) if last else 1
        at = time.time()
        fields = {"id": row_id, "at": at, "action": "read", "request_id": f"f{index}"}
        cursor.execute(
            f"INSERT INTO {SCRATCH} (id, at, action, resource, categories, purpose, basis,"  # noqa: S608
            " decision, request_id, prev_hash, hash) VALUES"
            " (%s, now(), 'read', 'beneficiary', '[]', '', '', 'allow', %s, %s, %s)",
            [row_id, f"f{index}", prev, digest(prev, fields)],
        )


def run(variant: str, writers: int, transactions: int) -> float:
    """Transactions per second for ``writers`` threads sharing ``transactions``."""
    from django.db import connection, transaction

    from consent.audit import log_access
    from hub.registry.actors import Actor

    actor = Actor(organization_id=None, organization_ids=())
    per_writer = max(1, transactions // writers)
    barrier = threading.Barrier(writers + 1)
    errors: list[BaseException] = []

    def work(number: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            for step in range(per_writer):
                with transaction.atomic():
                    if variant == "former":
                        former_append(connection, number * per_writer + step)
                    else:
                        log_access(
                            actor=actor,
                            action="read",
                            resource="beneficiary",
                            decision="allow",
                            request_id=f"a{number}-{step}",
                        )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    if errors:
        raise SystemExit(f"{variant}: {errors[0]!r}")
    return writers * per_writer / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", default="1,8", help="comma list of concurrent writers")
    parser.add_argument("--transactions", type=int, default=2000, help="per run (bounded)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    counts = [int(value) for value in args.writers.split(",")]
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database (it is migrated)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef")
    os.environ.setdefault("NIR_HASH_KEY", "bench-only-nir-key")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from consent.seal import seal_pending

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        # The former table: the same columns, the former indexes (no seal-queue index).
        cursor.execute(
            f"CREATE TABLE {SCRATCH} (LIKE consent_accesslog INCLUDING DEFAULTS, PRIMARY KEY (id))"
        )
        for column in ("at", "beneficiary_id", "organization_id"):
            cursor.execute(f"CREATE INDEX ON {SCRATCH} ({column})")
    seal_pending()
    stop = threading.Event()

    def sequencer() -> None:  # as `seal_audit --interval 0.5` would, during the whole run
        while not stop.wait(0.5):
            seal_pending(wait=False)
        connection.close()

    sealer = threading.Thread(target=sequencer)
    sealer.start()
    rates = {(variant, n): 0.0 for variant in ("append", "former") for n in counts}
    try:
        for _ in range(args.rounds):  # alternate, so that drift hits both alike
            for n in counts:
                for variant in ("append", "former"):
                    rates[variant, n] += run(variant, n, args.transactions) / args.rounds
    finally:
        stop.set()
        sealer.join()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
    print(f"{args.rounds} rounds of {args.transactions} audited transactions, PostgreSQL")
    for n in counts:
        print(
            f"{n:>3} writers: append (sequencer) {rates['append', n]:.0f}/s, "
            f"former (lock to commit) {rates['former', n]:.0f}/s, "
            f"ratio {rates['append', n] / rates['former', n]:.2f}"
        )
    if len(counts) > 1:
        low, high = counts[0], counts[-1]
        print(
            f"scaling {low} -> {high} writers: append x{rates['append', high] / rates['append', low]:.2f}, "
            f"former x{rates['former', high] / rates['former', low]:.2f}"
        )
    print(f"sealed afterwards: {seal_pending()} rows left for the final seal")


if __name__ == "__main__":
    main()
