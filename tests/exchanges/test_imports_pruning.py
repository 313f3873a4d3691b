"""Set-wise intake drops hopeless candidates before comparing them, and decides the same.

A registry of look-alike persons (few surnames, first names, birth years and towns, so blocks
are large and most candidates are plainly someone else) and a file of known persons, new
look-alikes, near-duplicates and duplicates inside the file. ``hub.matching.vector`` rules
most pairs out before comparing them in full; the set-wise import must still leave exactly
what the row-by-row import leaves (report, golden records, decisions, review items, events,
access rows).
"""

import json
import random

import pytest
from django.db import transaction

from consent import integrity
from consent.models import AccessLog
from exchanges import imports
from hub import matching
from hub.matching import vector
from hub.registry import intake
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary
from hub.registry.services import record_upsert
from tests.exchanges.test_imports_setwise import _snapshot

pytestmark = pytest.mark.django_db

SURNAMES = ["Martin", "Martine", "Bernard", "Bernardi", "Petit", "Petitjean", "Roux", "Leroux"]
FIRST = ["Jean", "Jeanne", "Marie", "Mario", "Louis", "Louise", "Karim", "Amina"]


def _person(r: random.Random) -> dict:
    postcode = r.choice(["69001", "69002", "38000"])
    person = {
        "birth_name": r.choice(SURNAMES),
        "first_names": r.choice(FIRST),
        "sex": r.choice("FM"),
        "birth_date": f"{r.choice([1950, 1951, 1980])}-{r.randint(1, 3):02d}-{r.randint(1, 4):02d}",
        "address": {"line": f"{r.randint(1, 5)} rue Victor Hugo", "postcode": postcode},
    }
    if r.random() < 0.3:
        person["phone"] = f"06{r.randint(10_000_000, 10_000_030)}"
    return person


def _near(r: random.Random, person: dict) -> dict:
    """The same person written by another partner: a typo, a moved address, a lost field."""
    copy = json.loads(json.dumps(person))
    change = r.randrange(4)
    if change == 0:
        copy["birth_name"] = copy["birth_name"][:-1] + "e"
    elif change == 1:
        copy["address"] = {"line": "8 avenue Jean Jaurès", "postcode": "38000"}
    elif change == 2:
        copy["birth_date"] = copy["birth_date"][:7]
    else:
        copy.pop("sex")
    return copy


def _registry(partner_b) -> list[dict]:
    r = random.Random(11)
    people = [_person(r) for _ in range(90)]
    for n, person in enumerate(people):
        record_upsert(organization=partner_b.organization, external_id=f"B-{n}", payload=person)
    return people


def _rows(people: list[dict]) -> list[dict]:
    r = random.Random(12)
    rows = []
    for n in range(60):
        kind = n % 4
        if kind == 0:
            person = people[r.randrange(len(people))]
        elif kind == 1:
            person = _near(r, people[r.randrange(len(people))])
        elif kind == 2 and rows:
            person = _near(r, {k: v for k, v in rows[-1].items() if k != "external_id"})
        else:
            person = _person(r)
        rows.append({"external_id": f"F-{n}", **person})
    return rows


def _run(partner_a, rows, setwise: bool, monkeypatch):
    monkeypatch.setattr(imports, "SETWISE", setwise)
    monkeypatch.setattr(imports, "CHUNK", 25)
    actor = Actor(
        organization_id=partner_a.organization.pk,
        organization_ids=(partner_a.organization.pk,),
    )
    content = "\n".join(json.dumps(row) for row in rows).encode()
    job = imports.create_job(actor=actor, content=content, format="ndjson")
    assert imports.run_job(job_id=job.pk) == "done"
    job.refresh_from_db()
    return imports.report(job), job.pk


def _pairs_ruled_out(people: list[dict], rows: list[dict]) -> tuple[int, int]:
    """(pairs sharing a blocking key, pairs ``vector.compare_graded`` rules out) of the file's
    rows against the registry's persons; a pair ruled out is never graded by ``compare``."""
    model = intake.current_model()
    cut = vector.cut_weight(model)
    prepared = [intake.prepared_for(n, p, "") for n, p in enumerate(people + rows)]
    keys = [set(matching.blocking_keys(p)) for p in prepared]
    shared = ruled_out = 0
    for a in range(len(people), len(prepared)):
        for b in range(len(people)):
            if keys[a] & keys[b]:
                shared += 1
                if vector.compare_graded(model, prepared[a], prepared[b], cut) is None:
                    ruled_out += 1
                    assert model.compare(prepared[a], prepared[b]).grade is None
    return shared, ruled_out


def test_pruned_setwise_import_decides_as_the_row_by_row_import(partner_a, partner_b, monkeypatch):
    people = _registry(partner_b)
    rows = _rows(people)
    shared, ruled_out = _pairs_ruled_out(people, rows)
    assert shared > 500 and ruled_out > shared // 2  # pruning has work to do here
    known = set(Beneficiary.objects.values_list("pk", flat=True))
    before = AccessLog.objects.count()

    sid = transaction.savepoint()
    counts_rows, job_rows = _run(partner_a, rows, False, monkeypatch)
    by_row = _snapshot(job_rows, known)
    transaction.savepoint_rollback(sid)
    assert AccessLog.objects.count() == before

    counts_set, job_set = _run(partner_a, rows, True, monkeypatch)
    setwise = _snapshot(job_set, known)

    for name in ("total", "created", "linked", "review", "rejected"):
        assert counts_set[name] == counts_rows[name], name
    assert counts_rows["linked"] >= 10 and counts_rows["review"] >= 5
    assert counts_rows["created"] >= 1
    for part in by_row:
        assert setwise[part] == by_row[part], part

    integrity.seal.seal_pending()
    assert integrity.verify_chains() == []


def test_stored_features_load_as_the_engine_stores_them():
    r = random.Random(13)
    payloads = [_person(r) for _ in range(60)] + [
        {"birth_name": "Garcia Lopez épouse Martin", "first_names": "Jean-Pierre, Marie"},
        {"birth_name": "De La Fontaine", "usage_name": "Roux", "first_names": "Cathy"},
        {"birth_name": "Nguyen", "first_names": "Thi", "birth_date": "1950"},
        {"first_names": "Inès"},
    ]
    for n, payload in enumerate(payloads):
        prepared = intake.prepared_for(n, payload, "d" * 64 if n % 3 else "")
        row = json.loads(json.dumps(matching.stored.dump(prepared)))
        assert vector.load_stored(n, row) == matching.stored.load(n, row) == prepared
