"""verify_audit finds the first broken row of each chain, whatever an attacker with database
rights did to sealed rows: edit, delete, reorder or insert rows, cut the tail or recompute the
chain. Requests append access-log rows without a lock; the sequencer seals them."""

from __future__ import annotations

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from consent.audit import CHAIN as ACCESS_CHAIN
from consent.audit import hashed_fields, log_access
from consent.chain import digest
from consent.integrity import CHAINS, make_checkpoint, verify_chain, verify_chains
from consent.ledger import CHAIN as LEDGER_CHAIN
from consent.models import AccessLog, ChainCheckpoint, Grant, GrantEvent
from consent.seal import seal_pending
from hub.registry.actors import Actor
from tests.consent.tamper import attacker

pytestmark = pytest.mark.django_db

ACTOR = Actor(organization_id=None, organization_ids=())


def append_rows(count: int) -> None:
    with transaction.atomic():
        for index in range(count):
            log_access(
                actor=ACTOR,
                action="read",
                resource="beneficiary",
                decision="allow",
                purpose=f"p{index}",
                request_id=f"r{index}",
            )


def write_rows(count: int) -> list[int]:
    """Append rows, let the sequencer seal them (as it does within a second); ids by position."""
    append_rows(count)
    assert seal_pending() == count
    return list(AccessLog.objects.order_by("seq").values_list("id", flat=True))[-count:]


def verify_audit_output() -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def test_intact_chains_verify_with_exit_zero():
    write_rows(5)
    code, output = verify_audit_output()
    assert code == 0
    assert "access_log: intact (5 rows)" in output


def test_edited_row_is_named_as_first_broken_row():
    ids = write_rows(5)
    with attacker("consent_accesslog") as cursor:
        cursor.execute("UPDATE consent_accesslog SET decision = 'deny' WHERE id = %s", [ids[2]])
    code, output = verify_audit_output()
    assert code == 1
    assert f"row #{ids[2]}" in output and "edited" in output


def test_deleted_row_is_detected_at_the_next_row():
    ids = write_rows(5)
    with attacker("consent_accesslog") as cursor:
        cursor.execute("DELETE FROM consent_accesslog WHERE id = %s", [ids[2]])
    problem = verify_chain(CHAINS[ACCESS_CHAIN])
    assert problem.row_id == ids[3]
    assert "position #3..#3 missing (deleted)" in problem.reason


def test_reordered_rows_are_detected_at_the_first_swapped_row():
    ids = write_rows(5)
    # Swap the chain positions of the third and fourth rows: the fourth now comes first.
    with attacker("consent_accesslog") as cursor:
        cursor.execute("UPDATE consent_accesslog SET seq = -1 WHERE seq = 3")
        cursor.execute("UPDATE consent_accesslog SET seq = 3 WHERE seq = 4")
        cursor.execute("UPDATE consent_accesslog SET seq = 4 WHERE seq = -1")
    problem = verify_chain(CHAINS[ACCESS_CHAIN])
    assert problem.row_id == ids[3]
    assert "chain" in problem.reason


def test_rows_renumbered_in_place_are_detected_at_the_first_swapped_row():
    ids = write_rows(5)
    with attacker("consent_accesslog") as cursor:
        cursor.execute("UPDATE consent_accesslog SET id = -1 WHERE id = %s", [ids[2]])
        cursor.execute("UPDATE consent_accesslog SET id = %s WHERE id = %s", [ids[2], ids[3]])
        cursor.execute("UPDATE consent_accesslog SET id = %s WHERE id = -1", [ids[3]])
    problem = verify_chain(CHAINS[ACCESS_CHAIN])
    # Position 3 now holds the row numbered like the fourth: its hash no longer matches.
    assert problem.row_id == ids[3]
    assert AccessLog.objects.get(id=ids[3]).seq == 3
    assert "edited" in problem.reason


def test_inserted_row_with_a_well_formed_hash_is_detected_at_the_row_after_it():
    ids = write_rows(5)
    row2 = AccessLog.objects.get(seq=2)
    with attacker("consent_accesslog") as cursor:
        # Make room at position 3 (and id 3 after row 2), then forge a row chained onto row 2.
        cursor.execute(
            "UPDATE consent_accesslog SET id = id + 1000, seq = seq + 1000 WHERE seq >= 3"
        )
        cursor.execute(
            "UPDATE consent_accesslog SET id = id - 999, seq = seq - 999 WHERE seq >= 1000"
        )
        forged = AccessLog(
            id=ids[2],
            at=row2.at,
            action="read",
            resource="beneficiary",
            decision="allow",
            categories=[],
            prev_hash=row2.hash,
        )
        forged.hash = digest(forged.prev_hash, hashed_fields(forged))
        cursor.execute(
            "INSERT INTO consent_accesslog (id, seq, at, action, resource, categories, purpose,"
            " basis, decision, request_id, prev_hash, hash) VALUES "
            "(%s, 3, %s, 'read', 'beneficiary', '[]', '', '', 'allow', '', %s, %s)",
            [ids[2], row2.at, forged.prev_hash, forged.hash],
        )
    problem = verify_chain(CHAINS[ACCESS_CHAIN])
    assert problem.row_id == ids[2] + 1  # the former third row, shifted after the forgery
    assert AccessLog.objects.get(id=problem.row_id).seq == 4
    assert "chain" in problem.reason


def test_rows_cut_from_the_end_contradict_the_signed_checkpoint():
    write_rows(5)
    make_checkpoint(ACCESS_CHAIN)
    with attacker("consent_accesslog") as cursor:
        cursor.execute("DELETE FROM consent_accesslog WHERE seq >= 4")
    problem = verify_chain(CHAINS[ACCESS_CHAIN])
    assert problem.row_id is None
    assert "position #4..#5" in problem.reason and "checkpoint" in problem.reason


def test_rows_cut_from_the_end_are_not_papered_over_by_the_next_seal():
    write_rows(5)  # the sequencer signs the head of its batch: position 5
    with attacker("consent_accesslog") as cursor:
        cursor.execute("DELETE FROM consent_accesslog WHERE seq >= 4")
    (new,) = write_rows(1)  # sealed at position 6, onto the signed head, not onto row 3
    assert AccessLog.objects.get(id=new).seq == 6
    problem = verify_chain(CHAINS[ACCESS_CHAIN])
    assert problem.row_id == new
    assert "position #4..#5 missing (deleted)" in problem.reason


def test_verify_audit_seals_pending_rows_on_demand_and_covers_them():
    append_rows(3)
    # No sequencer has run (SQLite seals after commit, which a test's transaction never reaches).
    assert AccessLog.objects.filter(seq__isnull=True).count() == 3
    code, output = verify_audit_output()
    assert code == 0
    assert "access_log: intact (3 rows)" in output
    assert list(AccessLog.objects.order_by("id").values_list("seq", flat=True)) == [1, 2, 3]
    second = AccessLog.objects.get(seq=2).id
    with attacker("consent_accesslog") as cursor:
        cursor.execute("UPDATE consent_accesslog SET purpose = 'forged' WHERE id = %s", [second])
    code, output = verify_audit_output()
    assert code == 1 and f"row #{second}" in output and "edited" in output


def test_sequencer_signs_the_head_of_each_batch_and_skips_an_empty_one():
    write_rows(3)
    checkpoint = ChainCheckpoint.objects.get(chain=ACCESS_CHAIN)
    assert (checkpoint.last_id, checkpoint.head_hash) == (3, AccessLog.objects.get(seq=3).hash)
    assert seal_pending() == 0
    assert ChainCheckpoint.objects.filter(chain=ACCESS_CHAIN).count() == 1


def test_chain_recomputed_without_the_key_contradicts_the_checkpoint():
    write_rows(3)
    make_checkpoint(ACCESS_CHAIN)
    # The attacker edits row 2 and recomputes every hash after it: the chain alone looks fine.
    with attacker("consent_accesslog") as cursor:
        prev = AccessLog.objects.get(seq=1).hash
        for row in AccessLog.objects.filter(seq__gte=2).order_by("seq"):
            if row.seq == 2:
                row.decision = "deny"
            new_hash = digest(prev, hashed_fields(row))
            cursor.execute(
                "UPDATE consent_accesslog SET decision = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [row.decision, prev, new_hash, row.id],
            )
            prev = new_hash
    problem = verify_chain(CHAINS[ACCESS_CHAIN])
    assert problem is not None
    assert problem.row_id == AccessLog.objects.get(seq=3).id
    assert "checkpoint" in problem.reason


def test_edited_grant_ledger_row_is_named(person, partner_b, grant_consent):
    grant_consent(person, partner_b.organization)
    assert verify_chains() == []
    event = GrantEvent.objects.get()
    with attacker("consent_grantevent") as cursor:
        cursor.execute("UPDATE consent_grantevent SET kind = 'withdrawn' WHERE id = %s", [event.id])
    code, output = verify_audit_output()
    assert code == 1
    assert f"{LEDGER_CHAIN}: first broken row #{event.id}" in output


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


def test_append_only_models_refuse_save_and_delete_in_python():
    write_rows(1)
    row = AccessLog.objects.get()
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()


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
