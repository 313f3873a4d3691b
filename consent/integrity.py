"""Proof that the access log and the grant ledger are intact: chain walk and signed checkpoints.

``verify_chains()`` first seals the access-log rows committed so far (``consent.seal``), then
walks each chain in position order (``seq`` for the access log, ``id`` for the grant ledger)
and reports the first broken row:
- an edited row no longer matches its own hash;
- a deleted, inserted or reordered row breaks the link (``prev_hash``) or the positions;
- rows removed from the end, or a chain recomputed without the key, contradict a signed
  checkpoint (``ChainCheckpoint``): the sequencer signs the head of every batch it seals,
  and Celery beat signs both heads periodically.
A retention purge removes a prefix of the access log and leaves a signed anchor
(``RetentionRun``) that the first remaining row must chain onto.

Rows not sealed yet (committed after the seal that opened the verification) are not covered;
``pending_rows()`` counts them. Residual risk, see consent/README.md: someone able to bypass
the triggers could delete or edit a row in the second between its commit and its seal; a
deletion then leaves only an id gap, which looks like a rolled-back transaction
(``id_gaps()`` counts such gaps).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max, Min

from consent import ledger, seal
from consent.chain import GENESIS, checkpoint_message, digest, lock_chain, sign, write_checkpoint
from consent.models import AccessLog, ChainCheckpoint, GrantEvent, RetentionKind, RetentionRun

__all__ = ["CHAINS", "anchor_message", "make_checkpoint", "sign", "verify_chain", "verify_chains"]


@dataclass(frozen=True)
class Chain:
    name: str
    model: type
    hashed_fields: Callable
    position: str  # the column that orders the chain

    def sealed(self):
        return self.model.objects.filter(**{f"{self.position}__isnull": False})


CHAINS = {
    seal.CHAIN: Chain(seal.CHAIN, AccessLog, seal.hashed_fields, "seq"),
    ledger.CHAIN: Chain(ledger.CHAIN, GrantEvent, ledger.hashed_fields, "id"),
}


@dataclass(frozen=True)
class Break:
    chain: str
    row_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"row #{self.row_id}" if self.row_id is not None else "chain"
        return f"{self.chain}: first broken {where}: {self.reason}"


def anchor_message(run: RetentionRun) -> str:
    return f"{seal.CHAIN}|purge|{run.anchor_last_id}|{run.anchor_hash}|{run.at.isoformat()}"


def _anchor(chain: Chain) -> tuple[int, str, Break | None]:
    """(last purged position, hash the first remaining row must chain onto, problem)."""
    if chain.name != seal.CHAIN:
        return 0, GENESIS, None
    run = (
        RetentionRun.objects.filter(kind=RetentionKind.PURGE, anchor_last_id__isnull=False)
        .order_by("-id")
        .first()
    )
    if run is None:
        return 0, GENESIS, None
    if not hmac.compare_digest(run.signature, sign(anchor_message(run))):
        return (
            0,
            GENESIS,
            Break(chain.name, None, f"retention anchor #{run.id} has a bad signature"),
        )
    return run.anchor_last_id, run.anchor_hash, None


def _signed(checkpoint: ChainCheckpoint) -> bool:
    message = checkpoint_message(
        checkpoint.chain,
        checkpoint.last_id,
        checkpoint.head_hash,
        checkpoint.row_count,
        checkpoint.at,
    )
    return hmac.compare_digest(checkpoint.signature, sign(message))


def _walk(chain: Chain, last_purged: int, expected_prev: str) -> Iterator[tuple | Break]:
    """Yield (position, hash, row id) of each sound row in order, or the first Break."""
    expected = last_purged + 1
    for row in chain.sealed().order_by(chain.position).iterator(chunk_size=2000):
        position = getattr(row, chain.position)
        if position < expected:
            yield Break(chain.name, row.id, "row older than the retention anchor (inserted)")
            return
        if row.prev_hash != expected_prev:
            if position != expected:
                reason = f"row(s) at position #{expected}..#{position - 1} missing (deleted)"
            else:
                reason = "does not chain onto the previous row (deleted, inserted or reordered)"
            yield Break(chain.name, row.id, reason)
            return
        if position != expected:
            yield Break(chain.name, row.id, f"row at position #{expected} missing (deleted)")
            return
        if row.hash != digest(row.prev_hash, chain.hashed_fields(row)):
            yield Break(chain.name, row.id, "content does not match its hash (edited)")
            return
        yield position, row.hash, row.id
        expected_prev, expected = row.hash, position + 1


def verify_chain(chain: Chain, *, seal_first: bool = False) -> Break | None:
    """The first break of one chain, its rows and signed checkpoints walked side by side.

    ``seal_first`` seals the committed access-log rows before the walk. Inside a transaction
    (an admin request) that would hold the sequencer's lock for the whole walk, so faces leave
    it off: the sequencer keeps the unsealed rows to the last second anyway.
    """
    if seal_first and chain.name == seal.CHAIN:
        seal.seal_pending(wait=True)
    last_purged, expected_prev, problem = _anchor(chain)
    if problem:
        return problem
    checkpoints = (
        ChainCheckpoint.objects.filter(chain=chain.name)
        .order_by("last_id", "id")
        .iterator(chunk_size=2000)
    )
    checkpoint = next(checkpoints, None)
    last = last_purged
    for step in _walk(chain, last_purged, expected_prev):
        if isinstance(step, Break):
            return step
        last, head, row_id = step
        while checkpoint is not None and checkpoint.last_id <= last:
            if not _signed(checkpoint):
                return Break(chain.name, None, f"checkpoint #{checkpoint.id} has a bad signature")
            if checkpoint.last_id == last and checkpoint.head_hash != head:
                return Break(
                    chain.name,
                    row_id,
                    f"differs from the head signed at checkpoint #{checkpoint.id} "
                    "(chain rewritten)",
                )
            checkpoint = next(checkpoints, None)
    while checkpoint is not None:
        if not _signed(checkpoint):
            return Break(chain.name, None, f"checkpoint #{checkpoint.id} has a bad signature")
        if checkpoint.last_id > last:
            return Break(
                chain.name,
                None,
                f"rows at position #{last + 1}..#{checkpoint.last_id} were signed at checkpoint "
                f"#{checkpoint.id} but are missing (deleted from the end)",
            )
        checkpoint = next(checkpoints, None)
    return None


def verify_chains(*, seal_first: bool = True) -> list[Break]:
    """The first break of each chain (an empty list: both chains are intact), after sealing the
    access-log rows committed so far."""
    if seal_first:
        seal.seal_pending(wait=True)
    return [problem for chain in CHAINS.values() if (problem := verify_chain(chain))]


def pending_rows() -> int:
    """Access-log rows committed but not sealed yet (not covered by a verification)."""
    return AccessLog.objects.filter(seq__isnull=True).count()


def id_gaps() -> int:
    """Ids missing between the first and last access-log rows: rolled-back transactions, or
    rows removed before their seal (the residual risk; after a purge, an upper bound)."""
    stats = AccessLog.objects.aggregate(count=Count("id"), first=Min("id"), last=Max("id"))
    if not stats["count"]:
        return 0
    return stats["last"] - stats["first"] + 1 - stats["count"]


@transaction.atomic
def make_checkpoint(chain_name: str) -> ChainCheckpoint:
    """Sign the current head of a chain (taken under the chain's lock, so it is a real head).

    The access log is sealed first, so that what has been committed is signed.
    """
    chain = CHAINS[chain_name]
    if chain_name == seal.CHAIN:
        seal.seal_pending(wait=True, sign=False)
    lock_chain(chain_name)
    if chain_name == seal.CHAIN:
        last_id, head = seal.sealed_head()
        count = last_id
    else:
        last = chain.model.objects.order_by("-id").values_list("id", "hash").first()
        last_id, head = last if last else (0, GENESIS)
        count = chain.model.objects.count()
    return write_checkpoint(chain_name, last_id=last_id, head_hash=head, row_count=count)
