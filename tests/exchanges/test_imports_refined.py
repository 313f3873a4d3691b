"""A refined key is looked up when the chunk itself pushes its coarse block over the cap.

The set-wise look-up skips a refined key (``ffm:``, ``ffs:``...) while its coarse key's block
(``ff:``) is usable: the refined block lies inside it. But the chunk's own rows grow the
coarse block as they are decided, and a later row of the same chunk may find it over its
cap: it then meets its candidates through the refined keys only, as the row-by-row import
does. Here the registry holds 36 persons of one ``ff`` block (cap 37), the file brings two
more and then a person of the registry with a wrong birth year, whom only the refined keys
(same month, same sex) lead to.
"""

import json

import pytest
from django.db import transaction

from exchanges import imports
from hub import matching
from hub.registry import chunkreads, intake
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, BlockSize
from hub.registry.services import record_upsert
from tests.exchanges.test_imports_setwise import _snapshot
from tests.factories import record_payload

pytestmark = pytest.mark.django_db

TARGET = record_payload(
    birth_name="Vautrin",
    first_names="Aurèle",
    sex="M",
    birth_date="1962-07-19",
    birth_place="Nantes",
    address={"line": "12 rue des Lilas", "postcode": "69004", "city": "Lyon"},
)


def _namesake(n: int) -> dict:
    """Another Aurèle Vautrin: another birth date (no shared date, month or year key), another
    postcode (no shared place key)."""
    return {
        "birth_name": "Vautrin",
        "first_names": "Aurèle",
        "sex": "M",
        "birth_date": f"{1900 + n}-{1 + n % 6:02d}-{1 + n % 28:02d}",
        "address": {"line": f"{n} avenue Foch", "postcode": f"{75001 + n}", "city": "Paris"},
    }


def _rows() -> list[dict]:
    # The file's person: the target with a wrong birth year, in the next postcode of the town.
    probe = {**TARGET, "birth_date": "1963-07-19", "address": {**TARGET["address"]}}
    probe["address"]["postcode"] = "69005"
    return [
        {"external_id": "F-1", **_namesake(40)},
        {"external_id": "F-2", **_namesake(41)},
        {"external_id": "F-3", **probe},
    ]


def _run(partner_a, setwise: bool, monkeypatch):
    monkeypatch.setattr(imports, "SETWISE", setwise)
    actor = Actor(
        organization_id=partner_a.organization.pk,
        organization_ids=(partner_a.organization.pk,),
    )
    content = "\n".join(json.dumps(row) for row in _rows()).encode()
    job = imports.create_job(actor=actor, content=content, format="ndjson")
    assert imports.run_job(job_id=job.pk) == "done"
    return job.pk


def test_a_coarse_block_the_chunk_fills_past_its_cap_leaves_its_refined_keys_in_use(
    partner_a, partner_b, monkeypatch
):
    for n in range(35):
        record_upsert(
            organization=partner_b.organization, external_id=f"B-{n}", payload=_namesake(n)
        )
    target = record_upsert(
        organization=partner_b.organization, external_id="B-TARGET", payload=TARGET
    ).record
    keys = matching.blocking_keys(intake.prepared_for("t", TARGET, ""))
    ff = next(key for key in keys if key.startswith("ff:"))
    assert BlockSize.objects.get(key=ff).records == 36 == matching.block_cap(ff) - 1
    known = set(Beneficiary.objects.values_list("pk", flat=True))

    sid = transaction.savepoint()
    by_row = _snapshot(_run(partner_a, False, monkeypatch), known)
    transaction.savepoint_rollback(sid)
    setwise = _snapshot(_run(partner_a, True, monkeypatch), known)

    # Row by row, the file's person met the target through a refined key alone.
    index, external_id, outcome, _errors, beneficiary = by_row["report"][2]
    assert (external_id, outcome, beneficiary) == ("F-3", "linked", str(target.beneficiary_id))
    for part in by_row:
        assert setwise[part] == by_row[part], part


def test_the_look_up_skips_a_refined_key_inside_a_usable_coarse_block(partner_b):
    record = record_upsert(
        organization=partner_b.organization, external_id="B-TARGET", payload=TARGET
    ).record
    keys = matching.blocking_keys(intake.prepared_for("t", TARGET, ""))
    caps = [matching.block_cap(key) for key in keys]
    refined = {key for key in keys if matching.coarse_key(key)}
    assert {"ff", "pn"} <= {matching.coarse_key(key)[:2] for key in refined}

    _large, rows = chunkreads.chunk_keys(keys, caps, {})
    assert {key for key, _pk in rows} == set(keys) - refined
    assert {pk for _key, pk in rows} == {str(record.pk)}

    # The chunk's own records would push the ``ff`` block over its cap: its refined keys count.
    ff = next(key for key in keys if key.startswith("ff:"))
    _large, rows = chunkreads.chunk_keys(keys, caps, {ff: matching.block_cap(ff)})
    assert {key for key, _pk in rows} == (set(keys) - refined) | {
        key for key in refined if matching.coarse_key(key) == ff
    }
