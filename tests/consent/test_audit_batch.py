"""A page of persons is logged in one multi-row INSERT: the rows are those ``log_access`` would
append one by one, in the same order, and the sequencer seals and verifies them alike."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from consent.audit import log_access, log_accesses
from consent.integrity import verify_chains
from consent.models import AccessLog
from consent.seal import seal_pending
from hub.registry.actors import Actor

pytestmark = pytest.mark.django_db

ACTOR = Actor(organization_id=None, organization_ids=())
FIELDS = ("action", "resource", "decision", "purpose", "basis", "categories", "organization_id")


def entry(index: int, run: str = "a") -> dict:
    return {
        "actor": ACTOR,
        "action": "read",
        "resource": "beneficiary",
        "decision": "allow",
        "purpose": f"p{index}",
        "basis": "own_record",
        "categories": ["identity", "contact"] if index % 2 else ["identity"],
        "request_id": f"{run}{index}",
    }


def test_many_rows_in_one_statement_equal_rows_appended_one_by_one():
    with transaction.atomic():
        for index in range(3):
            log_access(**entry(index, "a"))
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert log_accesses(entry(index, "b") for index in range(3)) == 3
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1

    def rows(run):
        found = AccessLog.objects.filter(request_id__startswith=run).order_by("id")
        return list(found.values_list(*FIELDS))

    assert len(rows("a")) == 3
    assert rows("b") == rows("a")


def test_batched_rows_are_sealed_and_verify():
    with transaction.atomic():
        log_access(**entry(0))
        log_accesses(entry(index) for index in range(1, 1203))  # three INSERT batches
        log_access(**entry(1203))
    seal_pending()
    rows = list(AccessLog.objects.order_by("id").values_list("purpose", "seq"))
    assert [purpose for purpose, _ in rows] == [f"p{index}" for index in range(1204)]
    assert [seq for _, seq in rows] == sorted(seq for _, seq in rows)
    assert all(seq is not None for _, seq in rows)
    assert verify_chains() == []


@pytest.mark.django_db(transaction=True)
def test_nothing_to_log_needs_no_transaction():
    assert log_accesses([]) == 0
    with pytest.raises(RuntimeError):
        log_accesses([entry(0)])
