"""Proof that the access log and the grant ledger are intact: chain walk and signed checkpoints.

``verify_chains()`` walks each chain in id order and reports the first broken row:
- an edited row no longer matches its own hash;
- a deleted, inserted or reordered row breaks the link (``prev_hash``) or the id sequence;
- rows removed from the end, or a chain recomputed without the key, contradict a signed
  checkpoint (``ChainCheckpoint``), made periodically by Celery beat.
A retention purge removes a prefix of the access log and leaves a signed anchor
(``RetentionRun``) that the first remaining row must chain onto.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from consent import audit, ledger
from consent.chain import GENESIS, digest, lock_chain
from consent.models import AccessLog, ChainCheckpoint, GrantEvent, RetentionKind, RetentionRun

KEY_SALT = "passerelle.consent.chain-checkpoint"


@dataclass(frozen=True)
class Chain:
    name: str
    model: type
    hashed_fields: Callable


CHAINS = {
    audit.CHAIN: Chain(audit.CHAIN, AccessLog, audit.hashed_fields),
    ledger.CHAIN: Chain(ledger.CHAIN, GrantEvent, ledger.hashed_fields),
}


@dataclass(frozen=True)
class Break:
    chain: str
    row_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"row #{self.row_id}" if self.row_id is not None else "chain"
        return f"{self.chain}: first broken {where}: {self.reason}"


def sign(message: str) -> str:
    return salted_hmac(KEY_SALT, message, algorithm="sha256").hexdigest()


def checkpoint_message(chain: str, last_id: int, head_hash: str, row_count: int, at) -> str:
    return f"{chain}|{last_id}|{head_hash}|{row_count}|{at.isoformat()}"


def anchor_message(run: RetentionRun) -> str:
    return f"{audit.CHAIN}|purge|{run.anchor_last_id}|{run.anchor_hash}|{run.at.isoformat()}"


def _anchor(chain: Chain) -> tuple[int, str, Break | None]:
    """(last purged id, hash the first remaining row must chain onto, problem)."""
    if chain.name != audit.CHAIN:
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


def verify_chain(chain: Chain) -> Break | None:
    last_purged, expected_prev, problem = _anchor(chain)
    if problem:
        return problem
    expected_id = last_purged + 1
    checkpoints = list(ChainCheckpoint.objects.filter(chain=chain.name).order_by("id"))
    signed_ids = {checkpoint.last_id for checkpoint in checkpoints}
    heads: dict[int, str] = {}
    rows = chain.model.objects.order_by("id").iterator(chunk_size=2000)
    for row in rows:
        if row.id < expected_id:
            return Break(chain.name, row.id, "row older than the retention anchor (inserted)")
        if row.prev_hash != expected_prev:
            if row.id != expected_id:
                reason = f"row(s) #{expected_id}..#{row.id - 1} missing (deleted)"
            else:
                reason = "does not chain onto the previous row (deleted, inserted or reordered)"
            return Break(chain.name, row.id, reason)
        if row.id != expected_id:
            return Break(chain.name, row.id, f"row #{expected_id} missing (deleted)")
        if row.hash != digest(row.prev_hash, chain.hashed_fields(row)):
            return Break(chain.name, row.id, "content does not match its hash (edited)")
        if row.id in signed_ids:
            heads[row.id] = row.hash
        expected_prev = row.hash
        expected_id = row.id + 1
    last_id = expected_id - 1
    for checkpoint in checkpoints:
        message = checkpoint_message(
            checkpoint.chain,
            checkpoint.last_id,
            checkpoint.head_hash,
            checkpoint.row_count,
            checkpoint.at,
        )
        if not hmac.compare_digest(checkpoint.signature, sign(message)):
            return Break(chain.name, None, f"checkpoint #{checkpoint.id} has a bad signature")
        if checkpoint.last_id == 0 or checkpoint.last_id <= last_purged:
            continue
        if checkpoint.last_id > last_id:
            return Break(
                chain.name,
                last_id + 1,
                f"rows up to #{checkpoint.last_id} were signed at checkpoint #{checkpoint.id} "
                "but are missing (deleted from the end)",
            )
        if heads.get(checkpoint.last_id) != checkpoint.head_hash:
            return Break(
                chain.name,
                checkpoint.last_id,
                f"differs from the head signed at checkpoint #{checkpoint.id} (chain rewritten)",
            )
    return None


def verify_chains() -> list[Break]:
    """The first break of each chain (an empty list: both chains are intact)."""
    return [problem for chain in CHAINS.values() if (problem := verify_chain(chain))]


@transaction.atomic
def make_checkpoint(chain_name: str) -> ChainCheckpoint:
    """Sign the current head of a chain (taken under the chain's lock, so it is a real head)."""
    chain = CHAINS[chain_name]
    lock_chain(chain_name)
    last = chain.model.objects.order_by("-id").values_list("id", "hash").first()
    last_id, head = last if last else (0, GENESIS)
    count = chain.model.objects.count()
    at = timezone.now()
    checkpoint = ChainCheckpoint(
        chain=chain_name, at=at, last_id=last_id, head_hash=head, row_count=count
    )
    checkpoint.signature = sign(checkpoint_message(chain_name, last_id, head, count, at))
    checkpoint.save(force_insert=True)
    return checkpoint
