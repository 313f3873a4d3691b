"""Observatory benchmark on PostgreSQL: dashboard and API query p95 at 1M persons / 2M cases.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/passerelle_territory \
    SECRET_KEY=bench NIR_HASH_KEY=bench python bench/territory/run.py \
        [--persons 1000000] [--cases 2000000] [--probes 300] [--skip-fill]

1. Fill (set-wise, in SQL: generate_series, never through the API): 30 organizations, PERSONS
   golden records spread over the communes of the Rhône by population, CASES support cases
   over 36 months (60 % closed, with an outcome), CASES/10 referrals; ``territory_personzone``
   is filled from the golden records' INSEE codes in the same way (the bench is about queries).
2. Aggregates: ``territory.refresh._recompute`` over every commune (the code the nightly
   rebuild and the live refresh run), timed.
3. Queries, PROBES each, random indicator / zone level / breakdown / 12-month window:
   * API: ``GET /api/v1/indicators/{code}`` through the whole stack in-process (OAuth2 token,
     scope, throttle, suppression, JSON);
   * dashboard: the admin page ``/admin/territory/observatory/`` (10 tables, charts, map-free);
   * baseline, same run: the bare SQL ``SUM ... GROUP BY`` over the same aggregate table
     (what the suppressed table costs on top of reading it), and the unmaterialised query
     (distinct persons per commune for one month straight from the cases) for scale.
   Prints p50/p95/p99 in ms and the ratios.

The database is wiped of registry/exchanges/territory rows at start: use a dedicated database.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("API_THROTTLE_RATE", "1000000/min")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from exchanges.models import CaseOutcome, CaseType  # noqa: E402
from territory import parents, refresh, zones  # noqa: E402
from territory.catalogue import INDICATORS  # noqa: E402
from territory.models import Cell, PublishedTable  # noqa: E402

KINDS = ("ccas", "association", "siao", "departement", "commune", "cias")


def sql(statement: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def fill(persons: int, cases: int) -> None:
    started = time.perf_counter()
    communes = sorted(
        (c for c in zones._communes().values() if c.departement == "69"),
        key=lambda c: -c.population,
    )
    weights = []
    for c in communes:  # a 2,000-slot array, each commune by its population (at least once)
        weights += [c.code] * max(
            1, round(2000 * c.population / sum(x.population for x in communes))
        )
    sql(
        "TRUNCATE territory_cell, territory_personzone, exchanges_overlapalert, "
        "exchanges_referralstep, exchanges_case, exchanges_referral, registry_partnerrecord, "
        "registry_beneficiary, exchanges_event CASCADE"
    )
    sql("DELETE FROM registry_organization WHERE name ~ '^Bench [0-9]+$'")
    sql(
        """INSERT INTO registry_organization (id, name, kind, siret, insee_codes, trust_level,
               is_active, created_at)
           SELECT md5('org' || i)::uuid, 'Bench ' || i, (%s::text[])[1 + i %% 6], '', '[]', 50,
                  true, now()
           FROM generate_series(0, 29) i""",
        [list(KINDS)],
    )
    sql(
        """INSERT INTO registry_beneficiary (id, first_names, birth_name, usage_name, sex,
               birth_date, birth_place, nir_hash, phone, email, address_line, postcode, city,
               insee_code, status, merged_into_id, last_contact_at, created_at, updated_at)
           SELECT md5('b' || i)::uuid, 'P', 'N', '', 'X', '1970', '', '', '', '', '', '', '',
                  (%s::text[])[1 + (hashtext('c' || i) & 2147483647) %% %s], 'active', NULL,
                  CASE WHEN i %% 5 = 0 THEN now() - (i %% 400) * interval '1 day' END, now(), now()
           FROM generate_series(0, %s - 1) i""",
        [weights, len(weights), persons],
    )
    sql(
        """INSERT INTO territory_personzone (beneficiary_id, person_id, commune, iris,
               living_alone, reduced_mobility, updated_at)
           SELECT id, id, insee_code, '', (hashtext(id::text) & 7) = 0,
                  (hashtext(id::text) & 15) = 1, now()
           FROM registry_beneficiary"""
    )
    sql(
        """INSERT INTO exchanges_case (id, organization_id, beneficiary_id, type, status,
               start_date, end_date, referent, outcome, outcome_at, referral_id, version,
               created_at, updated_at)
           SELECT md5('k' || i)::uuid, md5('org' || (i %% 30))::uuid,
                  md5('b' || ((hashtext('p' || i) & 2147483647) %% %s))::uuid,
                  (%s::text[])[1 + i %% 10],
                  CASE WHEN closed THEN 'closed' ELSE 'open' END, start_date,
                  CASE WHEN closed THEN start_date + length END, '',
                  CASE WHEN closed THEN (%s::text[])[1 + (i / 7) %% 17] ELSE '' END, NULL, NULL, 1,
                  now(), now()
           FROM (SELECT i, date '2024-01-01' + (hashtext('s' || i) & 2147483647) %% 1050 AS start_date,
                        (hashtext('l' || i) & 2147483647) %% 300 AS length,
                        (hashtext('x' || i) & 2147483647) %% 10 < 6 AS closed
                 FROM generate_series(0, %s - 1) i) g""",
        [persons, list(CaseType.values), list(CaseOutcome.values), cases],
    )
    sql(
        """INSERT INTO exchanges_referral (id, beneficiary_id, sender_id, receiver_id, case_type,
               status, message, decline_reason, decline_comment, basis, grant_id, sent_at,
               answered_at, closed_at, reminded_at, reminder_count, version)
           SELECT md5('r' || i)::uuid, md5('b' || (i * 7 %% %s))::uuid, md5('org' || (i %% 30))::uuid,
                  md5('org' || ((i + 1) %% 30))::uuid, 'housing',
                  (ARRAY['accepted','declined','sent'])[1 + i %% 3], '',
                  CASE WHEN i %% 3 = 1 THEN 'no_capacity' ELSE '' END, '', '', NULL, sent,
                  CASE WHEN i %% 3 < 2 THEN sent + (i %% 20) * interval '1 day' END, NULL, NULL, 0, 1
           FROM (SELECT i, timestamptz '2024-01-01' + (i %% 1050) * interval '1 day' AS sent
                 FROM generate_series(0, %s - 1) i) g""",
        [persons, cases // 10],
    )
    sql("ANALYZE")
    print(
        f"fill: {persons:,} persons, {cases:,} cases, {cases // 10:,} referrals "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def aggregates() -> None:
    started = time.perf_counter()
    communes = set(
        __import__("territory.models", fromlist=["PersonZone"])
        .PersonZone.objects.exclude(commune="")
        .values_list("commune", flat=True)
        .distinct()
    )
    Cell.objects.all().delete()
    refresh._recompute(communes)
    sql("ANALYZE territory_cell")
    print(
        f"aggregates: {Cell.objects.count():,} cells for {len(communes)} communes "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return statistics.median(ordered), pick(0.95), pick(0.99)


def probes(count: int, rng: random.Random) -> list[dict]:
    out = []
    for _ in range(count):
        indicator = rng.choice(INDICATORS)
        level = rng.choice([lvl for lvl in indicator.zone_levels if lvl != "iris"])
        year, month = rng.choice(
            [(2024, m) for m in range(1, 13)] + [(2025, m) for m in range(1, 13)]
        )
        end_year, end_month = (year + 1, month - 1) if month > 1 else (year, 12)
        params = {
            "zone_level": level,
            "from": f"{year}-{month:02d}",
            "to": f"{end_year}-{end_month:02d}",
        }
        if indicator.breakdowns and rng.random() < 0.5 and indicator.kind == "count":
            params["breakdown"] = rng.choice(indicator.breakdowns)
        out.append({"code": indicator.code, "indicator": indicator, **params})
    return out


def token_client() -> Client:
    from hub.registry.partners import onboard_partner

    onboarded = onboard_partner(
        name="Bench hyperviseur", kind="commune", scopes=["indicators:read"]
    )
    client = Client()
    import base64

    basic = base64.b64encode(f"{onboarded.client_id}:{onboarded.client_secret}".encode()).decode()
    token = client.post(
        "/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}"
    ).json()["access_token"]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def time_it(fn, items) -> list[float]:
    samples = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=2_000_000)
    parser.add_argument("--probes", type=int, default=300)
    parser.add_argument("--skip-fill", action="store_true")
    parser.add_argument(
        "--changed", type=int, default=50, help="probes of the 'after a change' passes"
    )
    args = parser.parse_args()
    if not settings.USES_POSTGRES:
        sys.exit("this bench needs PostgreSQL (DATABASE_URL)")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not args.skip_fill:
        fill(args.persons, args.cases)
        aggregates()
    rng = random.Random(13)
    items = probes(args.probes, rng)
    api = token_client()

    def api_call(p):
        query = {k: v for k, v in p.items() if k not in ("code", "indicator")}
        response = api.get(f"/api/v1/indicators/{p['code']}", query, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, response.content[:300]

    from django.contrib.auth import get_user_model

    User = get_user_model()
    settings.OTP_REQUIRED_FOR_SUPERUSERS = False  # the page, not the second factor, is measured
    admin = User.objects.filter(username="bench-admin").first() or User.objects.create_superuser(
        "bench-admin", "b@example.org", "bench-password-0123"
    )
    browser = Client()
    browser.force_login(admin)

    def dashboard(p):
        query = {"indicateur": p["code"], "niveau": p["zone_level"], "du": p["from"], "au": p["to"]}
        response = browser.get("/admin/territory/observatory/", query, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, response.status_code

    group = {"commune": "commune", "epci": "epci", "departement": "departement"}

    def bare(p):
        ind = p["indicator"]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {group[p['zone_level']]}, period, dimension, category, SUM(value) "  # noqa: S608
                "FROM territory_cell WHERE measure = %s AND level = 'commune' "
                "AND dimension IN ('', %s) AND period >= %s AND period <= %s "
                "AND length(period) = 7 GROUP BY 1, 2, 3, 4",
                [ind.measure, p.get("breakdown", ""), p["from"], p["to"]],
            )
            cursor.fetchall()

    def unmaterialised(p):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT b.insee_code, count(DISTINCT c.beneficiary_id) FROM exchanges_case c "
                "JOIN registry_beneficiary b ON b.id = c.beneficiary_id "
                "WHERE c.start_date <= (%s::date + interval '1 month' - interval '1 day') "
                "AND (c.end_date IS NULL OR c.end_date >= %s::date) GROUP BY 1",
                [p["from"] + "-01", p["from"] + "-01"],
            )
            cursor.fetchall()

    def bare_stored(p):  # the same cells read at their own level (EPCI, département stored)
        ind = p["indicator"]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT zone, period, dimension, category, value FROM territory_cell "
                "WHERE measure = %s AND level = %s AND dimension IN ('', %s) "
                "AND period >= %s AND period <= %s AND length(period) = 7",
                [ind.measure, p["zone_level"], p.get("breakdown", ""), p["from"], p["to"]],
            )
            cursor.fetchall()

    changed = args.changed

    def unstored(fn, items):  # the first read after the cells changed: nothing stored
        samples = []
        for item in items:
            PublishedTable.objects.all().delete()
            samples += time_it(fn, [item])
        return samples

    if not Cell.objects.filter(level="epci").exists():  # data filled before the parent cells
        started = time.perf_counter()
        parents.replace()
        print(f"parent cells: {time.perf_counter() - started:.0f} s", flush=True)
    sql("VACUUM ANALYZE territory_cell")  # the visibility map, for index-only reads
    started = time.perf_counter()
    everything = set(Cell.objects.values_list("measure", "period").distinct())
    settings.TERRITORY_CACHE = False  # cold cache: no table held in memory
    refresh.warm(everything)  # what the refresh does after the cells (here: those not stored)
    print(
        f"stored tables: {PublishedTable.objects.count():,} periods of tables, "
        f"checked or completed in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    for fn in (api_call, dashboard, bare, bare_stored):  # warm connections and the COG
        time_it(fn, items[:10])
    results = {
        "API GET /api/v1/indicators/{code}": time_it(api_call, items),
        "dashboard page": time_it(dashboard, items),
        "baseline: bare SQL over the aggregates": time_it(bare, items),
        "bare SQL, the zone level's own cells": time_it(bare_stored, items),
        "API, nothing stored (after a change)": unstored(api_call, items[:changed]),
        "dashboard, nothing stored (after a change)": unstored(dashboard, items[:changed]),
        "unmaterialised (cases, one month)": time_it(
            unmaterialised, items[: max(5, args.probes // 30)]
        ),
    }
    settings.TERRITORY_CACHE = True  # steady state: tables cached until the next refresh
    time_it(api_call, items)
    results["API, cached tables (second pass)"] = time_it(api_call, items)
    time_it(dashboard, items)
    results["dashboard, cached tables (second pass)"] = time_it(dashboard, items)
    print(f"\n{'query':45} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, samples in results.items():
        p50, p95, p99 = percentiles(samples)
        print(f"{name:45} {len(samples):5d} {p50:8.1f} {p95:8.1f} {p99:8.1f}")
    base = percentiles(results["baseline: bare SQL over the aggregates"])[1]
    api95 = percentiles(results["API GET /api/v1/indicators/{code}"])[1]
    dash95 = percentiles(results["dashboard page"])[1]
    raw95 = percentiles(results["unmaterialised (cases, one month)"])[1]
    api_new = percentiles(results["API, nothing stored (after a change)"])[1]
    dash_new = percentiles(results["dashboard, nothing stored (after a change)"])[1]
    print(f"\nload average {os.getloadavg()}")
    print(f"ratio API p95 / bare SQL p95: {api95 / base:.2f}")
    print(f"ratio dashboard p95 / bare SQL p95: {dash95 / base:.2f}")
    print(f"ratio API after a change p95 / bare SQL p95: {api_new / base:.2f}")
    print(f"ratio dashboard after a change p95 / bare SQL p95: {dash_new / base:.2f}")
    print(f"ratio unmaterialised p95 / API p95: {raw95 / api95:.1f}")
    for label, value in (
        ("API", api95),
        ("dashboard", dash95),
        ("API after a change", api_new),
        ("dashboard after a change", dash_new),
    ):
        print(f"target p95 <= 300 ms, {label}: {'met' if value <= 300 else 'NOT met'}")


if __name__ == "__main__":
    main()
