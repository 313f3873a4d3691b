"""The sequencer of the access log: rows appended freely, then sealed in order into the chain.

A request appends its ``AccessLog`` row in its own transaction with no lock and no chain head
to read, so audited requests never wait for each other. The sequencer, alone under the chain's
advisory lock (``lock_chain``, which no request takes), takes the rows it finds committed and
not yet sealed, in id order, gives each the next position (``seq``) and chains it
(``prev_hash``, ``hash``), then signs the new head (a ``ChainCheckpoint``, HMAC) in the same
transaction. A row whose transaction commits late is simply sealed in a later batch: the
chain is in sealing order, so no row is ever skipped and no horizon has to be guessed.

It runs as ``python manage.py seal_audit`` (a loop), as the Celery beat task
``consent.tasks.seal_access_log`` (every ``AUDIT_SEAL_SECONDS``), before every verification
and checkpoint, and, with ``AUDIT_SEAL_ON_COMMIT`` (the SQLite default), right after the
request's commit. Two sequencers at once are safe: the second waits, or gives up at once with
``wait=False``.

The head it continues from is the furthest of the last sealed row, the last signed checkpoint
and the last retention anchor: rows deleted from the end of the chain leave a hole that the
next verification names, instead of being papered over by the next seal.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection, transaction

from consent.chain import GENESIS, digest, lock_chain, write_checkpoint
from consent.models import AccessLog, ChainCheckpoint, RetentionKind, RetentionRun

CHAIN = "access_log"
BATCH = 5000

logger = logging.getLogger(__name__)


def hashed_fields(row: AccessLog) -> dict:
    """What a row's hash covers (its position is covered by the link to the previous row)."""
    return {
        "id": row.id,
        "at": row.at.isoformat(),
        "organization": str(row.organization_id or ""),
        "client": row.client_id,
        "user": row.user_id,
        "beneficiary": str(row.beneficiary_id or ""),
        "action": row.action,
        "resource": row.resource,
        "categories": list(row.categories),
        "purpose": row.purpose,
        "basis": row.basis,
        "grant": str(row.grant_id or ""),
        "decision": row.decision,
        "request_id": row.request_id,
    }


def sealed_head() -> tuple[int, str]:
    """(position, hash) the next sealed row chains onto. Call it under the chain's lock.

    On a tie the signed checkpoint wins over the row: a row rewritten by someone without the
    key must not become the base of the chain.
    """
    checkpoint = (
        ChainCheckpoint.objects.filter(chain=CHAIN)
        .order_by("-last_id", "-id")
        .values_list("last_id", "head_hash")
        .first()
    )
    anchor = (
        RetentionRun.objects.filter(kind=RetentionKind.PURGE, anchor_last_id__isnull=False)
        .order_by("-id")
        .values_list("anchor_last_id", "anchor_hash")
        .first()
    )
    row = (
        AccessLog.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    candidates = [head for head in (checkpoint, anchor, row) if head] + [(0, GENESIS)]
    return max(candidates, key=lambda head: head[0])


def seal_access_log(*, wait: bool = True, sign: bool = True, limit: int = BATCH) -> int:
    """Seal up to ``limit`` committed, unsealed rows in id order; sign the head. Rows sealed.

    ``wait=False``: give up at once (0) when another sequencer holds the lock.
    """
    with transaction.atomic():
        if not lock_chain(CHAIN, wait=wait):
            return 0
        rows = list(AccessLog.objects.filter(seq__isnull=True).order_by("id")[:limit])
        if not rows:
            return 0
        position, prev = sealed_head()
        for row in rows:
            position += 1
            row.seq, row.prev_hash = position, prev
            row.hash = prev = digest(prev, hashed_fields(row))
        _write_seals(rows)
        if sign:
            checkpoint = write_checkpoint(
                CHAIN, last_id=position, head_hash=prev, row_count=position
            )
            # A copy of each signed head leaves the database through the logs.
            logger.info(
                "access log sealed through #%s head %s signature %s",
                position,
                prev,
                checkpoint.signature,
            )
    return len(rows)


def seal_pending(*, wait: bool = True, sign: bool = True) -> int:
    """Seal every row committed so far, batch by batch (each batch its own transaction)."""
    total = 0
    while count := seal_access_log(wait=wait, sign=sign):
        total += count
        if count < BATCH:
            break
    return total


def seal_after_commit() -> None:
    """Seal right after the request's commit (``AUDIT_SEAL_ON_COMMIT``; SQLite's default)."""
    if settings.AUDIT_SEAL_ON_COMMIT:
        transaction.on_commit(lambda: seal_pending(wait=True), robust=True)


def _write_seals(rows: list[AccessLog]) -> None:
    """Write the seals in one statement on PostgreSQL (the trigger lets only this through)."""
    if connection.vendor != "postgresql":  # one prepared UPDATE per row, run as one batch
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE consent_accesslog SET seq = %s, prev_hash = %s, hash = %s "
                "WHERE id = %s AND seq IS NULL",
                [(row.seq, row.prev_hash, row.hash, row.id) for row in rows],
            )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE consent_accesslog AS log "
            "SET seq = seal.seq, prev_hash = seal.prev_hash, hash = seal.hash "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], %s::varchar[]) "
            "AS seal(id, seq, prev_hash, hash) "
            "WHERE log.id = seal.id AND log.seq IS NULL",
            [
                [row.id for row in rows],
                [row.seq for row in rows],
                [row.prev_hash for row in rows],
                [row.hash for row in rows],
            ],
        )
        if cursor.rowcount != len(rows):
            raise RuntimeError("access log rows were sealed by someone else meanwhile")
