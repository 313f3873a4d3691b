"""The access log and the grant ledger on PostgreSQL: triggers refuse edits and deletions (the
seal alone passes, once), and concurrent writers and sequencers leave both chains intact."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from consent.audit import CHAIN as ACCESS_CHAIN
from consent.audit import log_access
from consent.integrity import verify_chains
from consent.models import AccessLog, Grant, GrantEvent
from consent.seal import seal_pending
from tests.consent.tamper import ACTOR, append_rows, write_rows

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_postgres_trigger_refuses_update_and_delete_of_the_access_log():
    write_rows(2)
    append_rows(1)
    for statement in (
        "UPDATE consent_accesslog SET purpose = 'x'",
        "UPDATE consent_accesslog SET purpose = 'x' WHERE seq IS NULL",
        "DELETE FROM consent_accesslog",
        "DELETE FROM consent_accesslog WHERE seq IS NULL",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AccessLog.objects.count() == 3
    assert not AccessLog.objects.filter(purpose="x").exists()


@pytest.mark.postgres
def test_postgres_trigger_lets_only_the_seal_through_and_only_once():
    append_rows(1)
    row = AccessLog.objects.get()
    seal = "seq = 1, prev_hash = repeat('0', 64), hash = repeat('a', 64)"
    for statement in (
        f"UPDATE consent_accesslog SET {seal}, purpose = 'forged'",  # seal plus an edit
        f"UPDATE consent_accesslog SET {seal}, id = 99",
        "UPDATE consent_accesslog SET seq = 1",  # a position without the hashes
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert seal_pending() == 1
    for statement in (
        "UPDATE consent_accesslog SET hash = repeat('b', 64)",  # resealing
        "UPDATE consent_accesslog SET seq = 2",
        "UPDATE consent_accesslog SET seq = NULL, prev_hash = '', hash = ''",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    sealed = AccessLog.objects.get()
    assert (sealed.id, sealed.seq, sealed.purpose) == (row.id, 1, row.purpose)
    assert verify_chains() == []


@pytest.mark.postgres
def test_postgres_trigger_refuses_ledger_changes_and_grant_deletion(
    person, partner_b, grant_consent
):
    grant_consent(person, partner_b.organization)
    for statement in (
        "UPDATE consent_grantevent SET kind = 'x'",
        "DELETE FROM consent_grantevent",
        "DELETE FROM consent_grant",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert Grant.objects.count() == 1 and GrantEvent.objects.count() == 1


@pytest.mark.postgres
def test_retention_setting_allows_delete_of_the_access_log_only():
    write_rows(2)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('passerelle.retention_purge', 'on', true)")
        cursor.execute("DELETE FROM consent_accesslog WHERE seq = 1")
        with pytest.raises(DatabaseError), transaction.atomic():
            cursor.execute("UPDATE consent_accesslog SET purpose = 'x'")
        with pytest.raises(DatabaseError), transaction.atomic():
            cursor.execute("DELETE FROM consent_grantevent")
        cursor.execute("SELECT set_config('passerelle.retention_purge', 'off', true)")
        with pytest.raises(DatabaseError), transaction.atomic():
            cursor.execute("DELETE FROM consent_accesslog")
    assert AccessLog.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_32_concurrent_writers_leave_both_chains_intact():
    from consent.ledger import append_grant_event
    from hub.registry.models import Beneficiary, Organization

    org = Organization.objects.create(name="CCAS concurrent", kind="ccas")
    person = Beneficiary.objects.create(birth_name="X")
    grant = Grant.objects.create(
        beneficiary=person,
        basis="public_interest",
        grantee_type="organization",
        grantee_organization=org,
        granted_by=org,
        purposes=["coordination"],
        categories=["identity"],
        valid_from="2026-01-01T00:00:00Z",
        evidence_method="legal_text",
    )
    writers, per_writer = 32, 10
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait()
            for step in range(per_writer):
                with transaction.atomic():
                    log_access(
                        actor=ACTOR,
                        action="read",
                        resource="beneficiary",
                        decision="allow",
                        request_id=f"w{index}-{step}",
                    )
                    if index % 4 == 0:
                        append_grant_event(
                            grant=grant, kind="reviewed", actor=ACTOR, data={"step": step}
                        )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    done = threading.Event()
    sealed: list[int] = []

    def sequencer(wait: bool) -> None:
        # Two sequencers seal while the writers write: the lock lets one at a time through.
        try:
            while not done.is_set():
                sealed.append(seal_pending(wait=wait))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    sequencers = [threading.Thread(target=sequencer, args=(wait,)) for wait in (True, False)]
    threads = [threading.Thread(target=work, args=(i,)) for i in range(writers)]
    for thread in sequencers + threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    for thread in sequencers:
        thread.join()
    assert errors == []
    assert sum(sealed) > 0  # the sequencers did seal while requests were appending
    assert AccessLog.objects.count() == writers * per_writer
    assert GrantEvent.objects.count() == (writers // 4) * per_writer
    assert verify_chains() == []
    positions = list(AccessLog.objects.order_by("seq").values_list("seq", flat=True))
    assert positions == list(range(1, writers * per_writer + 1))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_committed_late_is_sealed_in_a_later_batch_and_the_chain_holds():
    appended, release = threading.Event(), threading.Event()

    def slow_request() -> None:
        try:
            with transaction.atomic():
                log_access(actor=ACTOR, action="read", resource="beneficiary", decision="allow")
                appended.set()
                release.wait(10)
        finally:
            connection.close()

    slow = threading.Thread(target=slow_request)
    slow.start()
    appended.wait(10)
    append_rows(1)  # a later request, committed first: a higher id
    assert seal_pending() == 1
    release.set()
    slow.join()
    assert seal_pending() == 1
    by_position = list(AccessLog.objects.order_by("seq").values_list("id", flat=True))
    assert by_position == sorted(by_position, reverse=True)  # sealed in commit order
    assert verify_chains() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_sequencer_gives_up_while_the_first_holds_the_lock():
    from consent.chain import lock_chain
    from consent.seal import seal_access_log

    append_rows(2)
    locked, release = threading.Event(), threading.Event()

    def first_sequencer() -> None:
        try:
            with transaction.atomic():
                lock_chain(ACCESS_CHAIN)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=first_sequencer)
    holder.start()
    locked.wait(10)
    try:
        assert seal_access_log(wait=False) == 0
        assert AccessLog.objects.filter(seq__isnull=True).count() == 2
    finally:
        release.set()
        holder.join()
    assert seal_access_log(wait=False) == 2
    assert verify_chains() == []
