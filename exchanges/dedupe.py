"""Batch deduplication: re-score the whole registry after a model update or an import.

A run is planned once (``plan_run``): the blocking keys of the ``RecordKey`` index shared by at
least two records are split into chunks by a stable hash of the key; keys shared by more records
than the engine's cap for their family (``hub.matching.block_cap``: the caps of intake and of the
engine's batch) are skipped and remembered on the run. Each chunk is then processed by ``run_chunk`` (called by a Celery task, one per chunk):

* one worker at a time holds a chunk (a PostgreSQL advisory lock); each decision is its own
  short transaction (the access-log chain lock is never held for a whole chunk, so intake is not
  kept waiting); the chunk is marked done at the end with ``UPDATE ... SET done = true WHERE
  done = false`` and counted only if that changed one row. A chunk delivered twice is done once;
  a chunk interrupted halfway is done again by ``dedupe --resume``, harmlessly: its decisions are
  idempotent (an existing review item is kept, a merged pair shares a root);
* a pair of records sharing several keys is scored once, by the chunk of the smallest key they
  share (skipped keys left aside);
* pairs are scored between merge roots; a pair already decided *not the same person* is never
  proposed again, an existing review item (pending, postponed) is left as it is;
* ``certain`` (with the safeguard of intake's automatic links: agreeing surnames or an agreeing
  identifier) merges automatically through ``exchanges.merges.merge_beneficiaries`` (audit row
  and event), keeping the older person and filing a review item marked merged, so that the score
  and explanation of the decision are kept; ``probable``/``possible`` files a review item
  (source ``batch``).
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from exchanges.merges import merge_beneficiaries
from hub import matching
from hub.matching.blocking import MAX_BLOCK_SIZE
from hub.registry import intake
from hub.registry.actors import Actor
from hub.registry.merging import MergeError
from hub.registry.models import (
    Beneficiary,
    BeneficiaryStatus,
    DedupeChunk,
    DedupeRun,
    MatchingModel,
    PartnerRecord,
    RecordKey,
    ReviewItem,
    ReviewStatus,
)

__all__ = [
    "SYSTEM_ACTOR",
    "ChunkResult",
    "chunk_of",
    "latest_unfinished_run",
    "plan_run",
    "run_chunk",
    "train_model",
]

#: The batch acts for no organization: audit rows name no user and no client.
SYSTEM_ACTOR = Actor(organization_id=None, is_superuser=True)

KEYS_PER_CHUNK = 2_000  # default chunk size when the number of chunks is not given
MAX_AUTO_CHUNKS = 256
_BATCH = 500  # ids or keys per IN (...) query

RUNNING, DONE, ABANDONED = "running", "done", "abandoned"


def chunk_of(key: str, chunks: int) -> int:
    """Stable chunk number of a blocking key (same on every machine and Python run)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % chunks


def _batches(items: list, size: int = _BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def train_model() -> MatchingModel:
    """Fit a model on every partner record (EM, ``hub.matching.train``) and store it.

    The thresholds of the current model are kept (``base``): training moves m, u, the prior and
    term frequencies, never the grading policy.
    """
    rows = PartnerRecord.objects.values_list("id", "payload", "nir_hash").order_by("id")
    records = [intake.engine_record(pk, payload, digest) for pk, payload, digest in rows.iterator()]
    model = matching.train(records, base=intake.current_model())
    return MatchingModel.objects.create(params=model.to_dict(), trained_on=len(records))


def latest_unfinished_run() -> DedupeRun | None:
    return DedupeRun.objects.filter(status=RUNNING).order_by("-started_at").first()


def plan_run(*, chunks: int | None = None, max_block_size: int = MAX_BLOCK_SIZE) -> DedupeRun:
    """Create a run and its chunks; earlier unfinished runs are marked abandoned."""
    sizes = RecordKey.objects.values("key").annotate(n=Count("id")).filter(n__gte=2)
    keys, skipped = [], []
    for row in sizes.order_by("key").iterator():
        too_large = row["n"] > matching.block_cap(row["key"], max_block_size)
        (skipped if too_large else keys).append(row["key"])
    if chunks is None:
        chunks = min(max(1, math.ceil(len(keys) / KEYS_PER_CHUNK)), MAX_AUTO_CHUNKS)
    if chunks < 1:
        raise ValueError("chunks must be at least 1")
    parts: list[list[str]] = [[] for _ in range(chunks)]
    for key in keys:
        parts[chunk_of(key, chunks)].append(key)
    with transaction.atomic():
        DedupeRun.objects.filter(status=RUNNING).update(status=ABANDONED)
        run = DedupeRun.objects.create(
            status=RUNNING,
            total_chunks=chunks,
            skipped_keys=skipped,
            heartbeat_at=timezone.now(),  # chunks queued now (``exchanges.jobs``)
        )
        DedupeChunk.objects.bulk_create(
            DedupeChunk(run=run, number=n, keys=part) for n, part in enumerate(parts)
        )
    return run


@dataclass
class ChunkResult:
    pairs_scored: int = 0
    review_items: int = 0
    merges: int = 0


@contextmanager
def _exclusive(run_id, number: int):
    """Whether this worker holds chunk ``number`` of the run (PostgreSQL session advisory lock,
    released at the end or when the worker's connection dies). Elsewhere (SQLite: one process,
    tasks run inline) always true."""
    if not settings.USES_POSTGRES:
        yield True
        return
    key = int.from_bytes(
        hashlib.sha256(f"dedupe:{run_id}:{number}".encode()).digest()[:8], "big", signed=True
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def run_chunk(*, run_id, number: int, max_block_size: int = MAX_BLOCK_SIZE) -> ChunkResult | None:
    """Process one chunk of a run; ``None`` if it is done, or being done by another worker.

    Each decision (a merge, a review item) is its own short transaction, so that the access-log
    chain and the persons' rows are never held for a whole chunk. The chunk is marked done at the
    end by ``UPDATE ... SET done = true WHERE done = false``, with the run's counters, only if that
    changed one row. A chunk interrupted halfway is simply done again: its decisions are
    idempotent (existing items are kept, merged pairs share a root).
    """
    with _exclusive(run_id, number) as mine:
        if not mine:
            return None
        chunk = DedupeChunk.objects.filter(run_id=run_id, number=number, done=False).first()
        if chunk is None:
            return None
        DedupeRun.objects.filter(pk=run_id).update(heartbeat_at=timezone.now())
        skipped = set(DedupeRun.objects.values_list("skipped_keys", flat=True).get(pk=run_id))
        result = _process(keys=chunk.keys, skipped=skipped, max_block_size=max_block_size)
        with transaction.atomic():
            # the keys (phone numbers, e-mails...) are not kept once the chunk is done
            claimed = DedupeChunk.objects.filter(pk=chunk.pk, done=False).update(done=True, keys=[])
            if claimed != 1:
                return None
            DedupeRun.objects.filter(pk=run_id).update(
                heartbeat_at=timezone.now(),
                done_chunks=F("done_chunks") + 1,
                pairs_scored=F("pairs_scored") + result.pairs_scored,
                review_items=F("review_items") + result.review_items,
                merges=F("merges") + result.merges,
            )
            DedupeRun.objects.filter(
                pk=run_id, status=RUNNING, done_chunks__gte=F("total_chunks")
            ).update(status=DONE, finished_at=timezone.now())
        return result


# --- one chunk ---------------------------------------------------------------------------------


def _blocks(keys: list[str], max_block_size: int) -> dict[str, list]:
    members: dict[str, list] = defaultdict(list)
    for part in _batches(keys):
        for key, record_id in RecordKey.objects.filter(key__in=part).values_list(
            "key", "record_id"
        ):
            members[key].append(record_id)
    # the index may have grown since the run was planned: the cap holds at processing time too
    return {
        k: sorted(ids, key=str)
        for k, ids in members.items()
        if 2 <= len(ids) <= matching.block_cap(k, max_block_size)
    }


def _keys_of(record_ids: list) -> dict:
    keys: dict = defaultdict(set)
    for part in _batches(record_ids):
        for record_id, key in RecordKey.objects.filter(record_id__in=part).values_list(
            "record_id", "key"
        ):
            keys[record_id].add(key)
    return keys


def _owned_pairs(blocks: dict[str, list], skipped: set[str]) -> list[tuple]:
    """Record pairs this chunk scores: those whose smallest shared usable key is in the chunk."""
    record_ids = sorted({r for ids in blocks.values() for r in ids}, key=str)
    keys = _keys_of(record_ids)
    pairs = set()
    for key, ids in blocks.items():
        for i, x in enumerate(ids):
            for y in ids[i + 1 :]:
                if (x, y) in pairs:
                    continue
                shared = (keys[x] & keys[y]) - skipped
                if shared and min(shared) == key:
                    pairs.add((x, y))
    return sorted(pairs, key=lambda p: (str(p[0]), str(p[1])))


def _process(*, keys: list[str], skipped: set[str], max_block_size: int) -> ChunkResult:
    result = ChunkResult()
    pairs = _owned_pairs(_blocks(keys, max_block_size), skipped)
    if not pairs:
        return result
    record_ids = sorted({r for pair in pairs for r in pair}, key=str)
    records = {}
    for part in _batches(record_ids):
        for pk, payload, digest, beneficiary_id in PartnerRecord.objects.filter(
            pk__in=part
        ).values_list("id", "payload", "nir_hash", "beneficiary_id"):
            records[pk] = (intake.prepared_for(pk, payload, digest), beneficiary_id)
    parents = intake._parents({b for _, b in records.values()})
    model = intake.current_model()

    # Best comparison per pair of merge roots, with the beneficiary pairs behind it.
    best: dict[tuple, tuple] = {}
    behind: dict[tuple, set] = defaultdict(set)
    for x, y in pairs:
        if x not in records or y not in records:
            continue  # deleted since
        (px, bx), (py, by) = records[x], records[y]
        rx, ry = intake.root_of(bx, parents), intake.root_of(by, parents)
        if rx == ry:
            continue
        result.pairs_scored += 1
        comparison = model.compare(px, py)
        if comparison.grade is None:
            continue
        root_pair = tuple(sorted((rx, ry), key=str))
        behind[root_pair].add(tuple(sorted((bx, by), key=str)))
        if root_pair not in best or comparison.score > best[root_pair].score:
            best[root_pair] = comparison
    if not best:
        return result

    known = _decided_pairs({p for pairs_ in behind.values() for p in pairs_} | set(best))
    roots = {r for pair in best for r in pair}
    people = {
        b.pk: b
        for part in _batches(sorted(roots, key=str))
        for b in Beneficiary.objects.filter(pk__in=part).only("id", "status", "created_at")
    }
    ordered = sorted(best.items(), key=lambda kv: (-kv[1].score, str(kv[0][0]), str(kv[0][1])))
    for root_pair, comparison in ordered:
        ra, rb = root_pair
        if known.get((ra, rb)) is not None:
            continue  # already proposed: a pending or postponed item stays as it is
        if any(known.get(p) == ReviewStatus.DISTINCT for p in behind[(ra, rb)]):
            continue  # a person said these are different people: never proposed again
        # roots may have moved with the merges made by this chunk
        ra, rb = intake.root_of(ra, parents), intake.root_of(rb, parents)
        if ra == rb:
            continue
        a, b = sorted((ra, rb), key=str)
        if a not in people or b not in people:
            continue
        if any(people[p].status != BeneficiaryStatus.ACTIVE for p in (a, b)):
            continue
        if (a, b) != root_pair and (a, b) not in known:
            # a pair moved by this chunk's merges may have an item no query above has seen
            status = _item_status(a, b)
            if status is not None:
                known[(a, b)] = status
        if (a, b) in known:
            continue
        if _safe_to_merge(comparison):
            if _auto_merge(people[a], people[b], comparison, parents):
                result.merges += 1
                known[(a, b)] = ReviewStatus.MERGED
            continue
        _, created = ReviewItem.objects.get_or_create(
            beneficiary_a_id=a,
            beneficiary_b_id=b,
            defaults={
                "score": comparison.score,
                "grade": comparison.grade,
                "explanation": list(comparison.explanation),
                "source": "batch",
            },
        )
        known[(a, b)] = ReviewStatus.PENDING
        result.review_items += int(created)
    return result


def _safe_to_merge(comparison) -> bool:
    """The rule of intake's automatic links: ``certain`` and agreeing surnames or an agreeing
    identifier; any other graded pair goes to a person (``hub.registry.intake.safe_to_link``)."""
    return intake.safe_to_link(
        intake.Candidate(None, comparison.score, comparison.grade, list(comparison.explanation))
    )


def _item_status(a, b) -> str | None:
    return (
        ReviewItem.objects.filter(beneficiary_a_id=a, beneficiary_b_id=b)
        .values_list("status", flat=True)
        .first()
    )


def _decided_pairs(pairs: set[tuple]) -> dict[tuple, str]:
    """Status of the existing review items among ``pairs`` (ordered beneficiary id pairs)."""
    ids = sorted({b for pair in pairs for b in pair}, key=str)
    found: dict[tuple, str] = {}
    for part in _batches(ids):
        rows = ReviewItem.objects.filter(beneficiary_a__in=part).values_list(
            "beneficiary_a_id", "beneficiary_b_id", "status"
        )
        for a, b, status in rows:
            if (a, b) in pairs:
                found[(a, b)] = status
    return found


def _auto_merge(a: Beneficiary, b: Beneficiary, comparison, parents: dict) -> bool:
    """Merge the younger person into the older one; the decision is kept on a review item."""
    target, source = sorted((a, b), key=lambda p: (p.created_at, str(p.pk)))
    first, second = sorted((a.pk, b.pk), key=str)
    try:
        with transaction.atomic():
            item = ReviewItem.objects.create(
                beneficiary_a_id=first,
                beneficiary_b_id=second,
                score=comparison.score,
                grade=comparison.grade,
                explanation=list(comparison.explanation),
                source="batch",
            )
            merge_beneficiaries(
                actor=SYSTEM_ACTOR,
                source_id=source.pk,
                target_id=target.pk,
                review_item=item,
                request_id="dedupe",
            )
    except (MergeError, IntegrityError):
        return False  # merged, anonymised or filed by another chunk meanwhile: nothing written
    parents[source.pk] = target.pk
    source.status = BeneficiaryStatus.MERGED
    return True
