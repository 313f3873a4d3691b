"""The access log's sequencer: every entry point seals what is committed, in order, signed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from consent.audit import log_access
from consent.integrity import verify_chains
from consent.models import AccessLog, ChainCheckpoint
from consent.tasks import seal_access_log
from hub.registry.actors import Actor

pytestmark = pytest.mark.django_db

ACTOR = Actor(organization_id=None, organization_ids=())


def append(count: int = 1) -> None:
    with transaction.atomic():
        for index in range(count):
            log_access(
                actor=ACTOR,
                action="read",
                resource="beneficiary",
                decision="allow",
                request_id=f"seq-{index}",
            )


def test_request_appends_an_unsealed_row_without_reading_the_chain(django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(1):
        log_access(actor=ACTOR, action="read", resource="beneficiary", decision="allow")
    row = AccessLog.objects.get()
    assert (row.seq, row.prev_hash, row.hash) == (None, "", "")


def test_beat_task_seals_pending_rows_and_is_safe_to_run_twice():
    append(3)
    assert seal_access_log.delay().get() == 3
    assert seal_access_log.delay().get() == 0
    assert list(AccessLog.objects.order_by("id").values_list("seq", flat=True)) == [1, 2, 3]
    assert ChainCheckpoint.objects.filter(chain="access_log", last_id=3).count() == 1
    assert verify_chains() == []


def test_seal_audit_once_seals_in_id_order_onto_the_previous_batch():
    append(2)
    out = StringIO()
    call_command("seal_audit", "--once", stdout=out)
    assert "2 rows sealed" in out.getvalue()
    append(2)
    call_command("seal_audit", "--once", stdout=StringIO())
    rows = list(AccessLog.objects.order_by("id"))
    assert [row.seq for row in rows] == [1, 2, 3, 4]
    assert [row.prev_hash for row in rows[1:]] == [row.hash for row in rows[:-1]]
    assert verify_chains() == []


def test_on_commit_sealing_seals_the_request_row_right_after_commit(
    settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_SEAL_ON_COMMIT = True  # the SQLite default
    with django_capture_on_commit_callbacks(execute=True):
        append(2)
    assert not AccessLog.objects.filter(seq__isnull=True).exists()
    assert verify_chains() == []


def test_without_on_commit_sealing_rows_wait_for_the_sequencer(
    settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_SEAL_ON_COMMIT = False  # the PostgreSQL default
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        append(1)
    assert callbacks == []
    assert AccessLog.objects.get().seq is None


def test_unsealed_rows_show_in_the_subject_access_report(person, api_b, partner_b, grant_consent):
    from consent.rights import subject_access_export

    grant_consent(person, partner_b.organization)
    seal_access_log.delay().get()  # what came before is sealed; the read below is not
    assert api_b.get(f"/api/v1/beneficiaries/{person}").status_code == 200
    read = AccessLog.objects.get(beneficiary_id=person, organization=partner_b.organization)
    assert read.seq is None  # not sealed yet
    export = subject_access_export(person)
    assert any(
        access["organization"] == partner_b.organization.name and access["decision"] == "allow"
        for access in export["accesses"]
    )


@pytest.mark.postgres
def test_a_rolled_back_access_leaves_a_gap_that_verify_audit_reports_but_tolerates():
    append(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        log_access(actor=ACTOR, action="read", resource="beneficiary", decision="allow")
        raise RuntimeError("the request failed: its row is rolled back")
    append(1)
    out = StringIO()
    call_command("verify_audit", stdout=out)  # exit 0: the chain is intact
    assert "access_log: intact (2 rows)" in out.getvalue()
    assert "1 ids never sealed" in out.getvalue()
