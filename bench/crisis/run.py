"""Crisis bench: the call list of an activation for N registered persons (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/passerelle_crisis_bench \
    SECRET_KEY=bench NIR_HASH_KEY=bench python bench/crisis/run.py [--persons 100000] [--repeat 3]

Fills the register set-wise (``bulk_create`` in chunks of 5,000), then, ``--repeat`` times,
times ``crisis.call_list.build_call_list`` for a fresh activation (the whole list: every active
entry, priority, order and rank, in one committed snapshot, claimable at once), and in the same
run the baseline: a bare ``SELECT id FROM crisis_registration WHERE organization_id = … AND
status = 'active' ORDER BY created_at, id`` fetching the same rows to Python. Then what the
lazy list costs afterwards: ``--cycles`` claim-and-outcome cycles of one caller at the head of
the list and as many at its tail (cursor moved near the end), the campaign counts and a page of
100 calls in the middle of the list. Best of the runs, and the ratios to the baseline.
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

from crisis import call_entries, call_list, calls  # noqa: E402
from crisis.models import Activation, CallList, CampaignCaller, Registration  # noqa: E402
from hub.registry.actors import Actor  # noqa: E402
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


def build(organization, users, index: int) -> tuple[float, Activation]:
    """The product's path: the whole list written and committed (``build_call_list``)."""
    activation = _activation(organization, users, index)
    started = time.perf_counter()
    size = call_list.build_call_list(activation_id=activation.pk)
    elapsed = time.perf_counter() - started
    assert size == call_list.info(activation.pk).size and size, size
    return elapsed, activation


def _cycles(activation, actor, count: int) -> tuple[float, float]:
    """Seconds per claim (``next_call``: the entry handed out and its call written) and per
    outcome (``record_outcome``, with its audit row) of one caller."""
    claiming = recording = 0.0
    for _ in range(count):
        started = time.perf_counter()
        call = calls.next_call(actor=actor, activation_id=activation.pk)
        claimed = time.perf_counter()
        calls.record_outcome(actor=actor, call_id=call.pk, outcome="reached")
        claiming += claimed - started
        recording += time.perf_counter() - claimed
    return claiming / count, recording / count


def after_build(activation, organization, user, count: int) -> dict:
    """What the lazy list costs once built: claims at the head and at the tail, the counts, a
    page of the list (entries not written yet read from the snapshot)."""
    actor = Actor(
        organization_id=organization.pk,
        organization_ids=(organization.pk,),
        user_id=user.pk,
        roles=("crisis_agent",),
    )
    figures = {"head": _cycles(activation, actor, count)}
    listed = call_list.info(activation.pk)
    CallList.objects.filter(pk=activation.pk).update(cursor=listed.snapshot_size - count)
    figures["tail"] = _cycles(activation, actor, count)
    started = time.perf_counter()
    stats = calls.campaign_stats(activation)
    figures["stats"] = time.perf_counter() - started
    assert stats["reached"] == 2 * count and stats["total"] == listed.size, stats
    started = time.perf_counter()
    page = call_entries.page(activation, listed.size // 2, 100)
    figures["page"] = time.perf_counter() - started
    assert len(page) == 100 and page[0].rank == listed.size // 2
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="reuse a register of that size")
    parser.add_argument("--cycles", type=int, default=200, help="claims timed at each end")
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
    if kept:  # the calls and lists of earlier runs go, the register stays
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE crisis_callattempt, crisis_booking, crisis_call, crisis_calllist CASCADE"
            )
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
    wholes, bases, afters = [], [], []
    for index in range(args.repeat):
        bases.append(baseline(organization))
        whole, activation = build(organization, users, index)
        wholes.append(whole)
        after = after_build(activation, organization, users[0], args.cycles)
        afters.append(after)
        _close(activation)
        say(
            f"run {index + 1}: whole list {whole:.3f} s, bare SELECT {bases[-1]:.3f} s; "
            f"claim {after['head'][0] * 1000:.1f} ms + outcome {after['head'][1] * 1000:.1f} ms "
            f"at the head, claim {after['tail'][0] * 1000:.1f} ms + outcome "
            f"{after['tail'][1] * 1000:.1f} ms at the tail; counts {after['stats'] * 1000:.1f} ms; "
            f"page of 100 {after['page'] * 1000:.1f} ms (load {os.getloadavg()[0]:.1f})"
        )
    whole, base = min(wholes), min(bases)
    say(
        f"call list for {args.persons} persons: the whole list built in {whole:.3f} s "
        f"(target <= 1 s), ratio {whole / base:.2f} to the bare SELECT ORDER BY ({base:.3f} s); "
        f"a claim takes {min(a['head'][0] for a in afters) * 1000:.1f} ms at the head of the "
        f"list, {min(a['tail'][0] for a in afters) * 1000:.1f} ms at its tail"
    )


if __name__ == "__main__":
    main()
