"""verify_audit finds the first broken row of each chain, whatever an attacker with database
rights did: edit, delete, reorder or insert rows, cut the tail or recompute the chain."""

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
from consent.models import AccessLog, Grant, GrantEvent
from hub.registry.actors import Actor
from tests.consent.tamper import attacker

pytestmark = pytest.mark.django_db

ACTOR = Actor(organization_id=None, organization_ids=())


def write_rows(count: int) -> None:
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
    write_rows(5)
    with attacker("consent_accesslog") as cursor:
        cursor.execute("UPDATE consent_accesslog SET decision = 'deny' WHERE id = 3")
    code, output = verify_audit_output()
    assert code == 1
    assert "row #3" in output and "edited" in output


def test_deleted_row_is_detected_at_the_next_row():
    write_rows(5)
    with attacker("consent_accesslog") as cursor:
        cursor.execute("DELETE FROM consent_accesslog WHERE id = 3")
    problem = verify_chain(CHAINS[ACCESS_CHAIN])
    assert problem.row_id == 4
    assert "deleted" in problem.reason


def test_reordered_rows_are_detected_at_the_first_swapped_row():
    write_rows(5)
    with attacker("consent_accesslog") as cursor:
        cursor.execute("UPDATE consent_accesslog SET id = -1 WHERE id = 3")
        cursor.execute("UPDATE consent_accesslog SET id = 3 WHERE id = 4")
        cursor.execute("UPDATE consent_accesslog SET id = 4 WHERE id = -1")
    problem = verify_chain(CHAINS[ACCESS_CHAIN])
    assert problem.row_id == 3


def test_inserted_row_with_a_well_formed_hash_is_detected_at_the_row_after_it():
    write_rows(5)
    row2 = AccessLog.objects.get(id=2)
    with attacker("consent_accesslog") as cursor:
        cursor.execute("UPDATE consent_accesslog SET id = id + 1000 WHERE id >= 3")
        cursor.execute("UPDATE consent_accesslog SET id = id - 999 WHERE id >= 1000")
        forged = AccessLog(
            id=3,
            at=row2.at,
            action="read",
            resource="beneficiary",
            decision="allow",
            categories=[],
            prev_hash=row2.hash,
        )
        forged.hash = digest(forged.prev_hash, hashed_fields(forged))
        cursor.execute(
            "INSERT INTO consent_accesslog (id, at, action, resource, categories, purpose, basis,"
            " decision, request_id, prev_hash, hash) VALUES "
            "(%s, %s, 'read', 'beneficiary', '[]', '', '', 'allow', '', %s, %s)",
            [3, row2.at, forged.prev_hash, forged.hash],
        )
    problem = verify_chain(CHAINS[ACCESS_CHAIN])
    assert problem.row_id == 4
    assert "chain" in problem.reason


def test_rows_cut_from_the_end_contradict_the_signed_checkpoint():
    write_rows(5)
    make_checkpoint(ACCESS_CHAIN)
    with attacker("consent_accesslog") as cursor:
        cursor.execute("DELETE FROM consent_accesslog WHERE id >= 4")
    problem = verify_chain(CHAINS[ACCESS_CHAIN])
    assert problem.row_id == 4
    assert "checkpoint" in problem.reason


def test_chain_recomputed_without_the_key_contradicts_the_checkpoint():
    write_rows(3)
    make_checkpoint(ACCESS_CHAIN)
    # The attacker edits row 2 and recomputes every hash after it: the chain alone looks fine.
    with attacker("consent_accesslog") as cursor:
        prev = AccessLog.objects.get(id=1).hash
        for row in AccessLog.objects.filter(id__gte=2).order_by("id"):
            if row.id == 2:
                row.decision = "deny"
            new_hash = digest(prev, hashed_fields(row))
            cursor.execute(
                "UPDATE consent_accesslog SET decision = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [row.decision, prev, new_hash, row.id],
            )
            prev = new_hash
    problem = verify_chain(CHAINS[ACCESS_CHAIN])
    assert problem is not None
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
    for statement in (
        "UPDATE consent_accesslog SET purpose = 'x'",
        "DELETE FROM consent_accesslog",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AccessLog.objects.count() == 2


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
        cursor.execute("DELETE FROM consent_accesslog WHERE id = 1")
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

    threads = [threading.Thread(target=work, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AccessLog.objects.count() == writers * per_writer
    assert GrantEvent.objects.count() == (writers // 4) * per_writer
    assert verify_chains() == []
