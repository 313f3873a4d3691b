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

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from crisis import call_list  # noqa: E402
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


def _activation(organization, users, index: int) -> Activation:
    activation = Activation.objects.create(
        organization=organization,
        plan=("heatwave", "cold", "health", "other")[index % 4],
        level="alert",
        reason="bench",
        opened_at=timezone.now(),
    )
    CampaignCaller.objects.bulk_create(CampaignCaller(activation=activation, user=u) for u in users)
    return activation


def _close(activation) -> None:
    activation.closed_at = timezone.now()
    activation.save(update_fields=["closed_at"])


def build(organization, users, index: int) -> tuple[float, float, int]:
    """The product's path (``complete_call_list``): the most urgent slice committed first, then
    the rest. Returns the time to the first slice, the time to the whole list, the calls."""
    activation = _activation(organization, users, index)
    started = time.perf_counter()
    created = call_list.build_call_list(
        activation_id=activation.pk, limit=settings.CRISIS_CALL_LIST_FIRST
    )
    first = time.perf_counter() - started
    created += call_list.complete_call_list(activation_id=activation.pk)
    whole = time.perf_counter() - started
    _close(activation)
    return first, whole, created


def one_shot(organization, users, index: int) -> float:
    """The previous path, same run: the whole list in one INSERT … SELECT and one commit."""
    activation = _activation(organization, users, index)
    started = time.perf_counter()
    created = call_list.build_call_list(activation_id=activation.pk)
    elapsed = time.perf_counter() - started
    assert created, created
    _close(activation)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="reuse a register of that size")
    parser.add_argument("--no-one-shot", action="store_true", help="skip the previous path")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("run it on PostgreSQL (DATABASE_URL)")
    call_command("migrate", verbosity=0)
    organization, _ = Organization.objects.get_or_create(
        name="Bench — commune", defaults={"kind": "commune"}
    )
    kept = args.keep and Registration.objects.filter(organization=organization).count() == (
        args.persons
    )
    if kept:  # the calls of earlier runs go, the register stays
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE crisis_callattempt, crisis_booking, crisis_call CASCADE")
    else:
        reset()
    users = [
        get_user_model().objects.get_or_create(username=f"bench-caller-{i}")[0]
        for i in range(CALLERS)
    ]
    if not kept:
        started = time.perf_counter()
        fill(organization, args.persons)
        say(f"filled {args.persons} registrations in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crisis_registration")
    firsts, wholes, shots, bases = [], [], [], []
    for index in range(args.repeat):
        bases.append(baseline(organization))
        first, whole, created = build(organization, users, 2 * index)
        assert created == args.persons, created
        firsts.append(first)
        wholes.append(whole)
        if not args.no_one_shot:
            shots.append(one_shot(organization, users, 2 * index + 1))
        say(
            f"run {index + 1}: first {settings.CRISIS_CALL_LIST_FIRST} calls {first:.3f} s, "
            f"whole list {whole:.3f} s, one-shot list {shots[-1] if shots else 0:.3f} s, "
            f"bare SELECT {bases[-1]:.3f} s (load {os.getloadavg()[0]:.1f})"
        )
    first, whole, base = min(firsts), min(wholes), min(bases)
    say(
        f"call list for {args.persons} persons: first calls claimable after {first:.3f} s "
        f"(target <= 1 s), ratio {first / base:.1f} to the bare SELECT ORDER BY ({base:.3f} s); "
        f"whole list written after {whole:.3f} s (ratio {whole / base:.1f})"
        + (
            f"; previous one-shot INSERT {min(shots):.3f} s (ratio {min(shots) / base:.1f})"
            if shots
            else ""
        )
    )


if __name__ == "__main__":
    main()
