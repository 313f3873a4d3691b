"""Crisis bench: build the call list of an activation for N registered persons (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/passerelle_crisis_bench \
    SECRET_KEY=bench NIR_HASH_KEY=bench python bench/crisis/run.py [--persons 100000] [--repeat 3]

Fills the register set-wise (``bulk_create`` in chunks of 5,000), then times
``crisis.calls.build_call_list`` (priority formula, order, one INSERT … SELECT, split among 20
callers) for a fresh activation, and, in the same run, the baseline: a bare
``SELECT id FROM crisis_registration WHERE organization_id = … AND status = 'active' ORDER BY
created_at, id`` fetching the same rows. Prints both and the ratio; the best of ``--repeat`` runs.
The script **truncates the crisis tables** of that database: use a dedicated one.
"""

from __future__ import annotations

import argparse
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

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from crisis import calls  # noqa: E402
from crisis.models import Activation, CampaignCaller, Registration  # noqa: E402
from hub.registry.models import Beneficiary, Organization  # noqa: E402

CHUNK = 5000
CALLERS = 20


def say(text: str) -> None:
    print(text, flush=True)


def reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'crisis_%%'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")  # noqa: S608 (catalog names)
        cursor.execute(
            "DELETE FROM registry_beneficiary b WHERE NOT EXISTS "
            "(SELECT 1 FROM registry_partnerrecord r WHERE r.beneficiary_id = b.id) "
            "AND NOT EXISTS (SELECT 1 FROM consent_grant g WHERE g.beneficiary_id = b.id)"
        )


def fill(organization, persons: int) -> None:
    now = timezone.now()
    for start in range(0, persons, CHUNK):
        size = min(CHUNK, persons - start)
        with transaction.atomic():
            beneficiaries = Beneficiary.objects.bulk_create(Beneficiary() for _ in range(size))
            Registration.objects.bulk_create(
                Registration(
                    organization=organization,
                    beneficiary=beneficiary,
                    status="active",
                    category=("age_65", "age_60_unfit", "disability")[(start + i) % 3],
                    requested_by="transmitted" if (start + i) % 4 == 0 else "self",
                    person={
                        "birth_name": f"P{start + i}",
                        "first_names": "X",
                        "birth_date": "1940",
                    },
                    lives_alone=(start + i) % 3 == 0,
                    home_care_service="" if (start + i) % 2 else "SSIAD",
                    attention=(start + i) % 7,
                    requested_at=now,
                )
                for i, beneficiary in enumerate(beneficiaries)
            )


def baseline(organization) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM crisis_registration WHERE organization_id = %s AND status = 'active' "
            "ORDER BY created_at, id",
            [organization.pk],
        )
        rows = cursor.fetchall()
    elapsed = time.perf_counter() - started
    assert rows
    return elapsed


def build(organization, users, index: int) -> tuple[float, int]:
    activation = Activation.objects.create(
        organization=organization,
        plan=("heatwave", "cold", "health", "other")[index % 4],
        level="alert",
        reason="bench",
        opened_at=timezone.now(),
    )
    CampaignCaller.objects.bulk_create(CampaignCaller(activation=activation, user=u) for u in users)
    started = time.perf_counter()
    created = calls.build_call_list(activation_id=activation.pk)
    elapsed = time.perf_counter() - started
    activation.closed_at = timezone.now()
    activation.save(update_fields=["closed_at"])
    return elapsed, created


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("run it on PostgreSQL (DATABASE_URL)")
    call_command("migrate", verbosity=0)
    reset()
    organization, _ = Organization.objects.get_or_create(
        name="Bench — commune", defaults={"kind": "commune"}
    )
    users = [
        get_user_model().objects.get_or_create(username=f"bench-caller-{i}")[0]
        for i in range(CALLERS)
    ]
    started = time.perf_counter()
    fill(organization, args.persons)
    say(f"filled {args.persons} registrations in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crisis_registration")
    builds, bases = [], []
    for index in range(args.repeat):
        bases.append(baseline(organization))
        elapsed, created = build(organization, users, index)
        assert created == args.persons, created
        builds.append(elapsed)
        say(f"run {index + 1}: call list {elapsed:.3f} s, bare SELECT {bases[-1]:.3f} s")
    best, base = min(builds), min(bases)
    say(
        f"call list for {args.persons} persons: {best:.3f} s (target <= 1 s); "
        f"baseline bare SELECT ORDER BY: {base:.3f} s; ratio {best / base:.1f}"
    )


if __name__ == "__main__":
    main()
