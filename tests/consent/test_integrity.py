"""verify_audit finds the first broken row of each chain, whatever an attacker with database
rights did to sealed rows: edit, delete, reorder or insert rows, cut the tail or recompute the
chain. Requests append access-log rows without a lock; the sequencer seals them."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from consent.audit import CHAIN as ACCESS_CHAIN
from consent.audit import hashed_fields
from consent.chain import digest
from consent.integrity import CHAINS, make_checkpoint, verify_chain, verify_chains
from consent.ledger import CHAIN as LEDGER_CHAIN
from consent.models import AccessLog, ChainCheckpoint, GrantEvent
from consent.seal import seal_pending
from tests.consent.tamper import append_rows, attacker, write_rows

pytestmark = pytest.mark.django_db


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


def test_append_only_models_refuse_save_and_delete_in_python():
    write_rows(1)
    row = AccessLog.objects.get()
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
