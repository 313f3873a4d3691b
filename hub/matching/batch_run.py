"""The batch's pipeline: candidate pairs and their bound in workers, comparisons here.

The work is cut into tasks, each a range of positions in one key family's blocks (about
``CHUNK_PAIRS`` pairs, ``batch_keys.ranges``). A task makes its pairs from the family's blocks,
keeps each pair only where it is first met (its smallest shared block of the first family that
has one: a few integer comparisons per pair against the records' blocks of the earlier
families, no set of the pairs already emitted), and bounds them (``batch.bounded``); what it
returns is the codes of the pairs left, about one in ten. Those are compared in this process
(``batch.compare_pairs``), which holds the ``Prepared`` records.

With ``workers`` > 1 the tasks run in that many forked processes. They read only numpy arrays
(the blocks, the records' integer codes) and the model; the Python records are never touched
in a worker, so the pages a fork shares are never copied (a worker that read a record would
write its reference counts, and at 1M records each worker would copy most of the heap). The
comparisons then run in the workers too, on records read back from one ``bytes`` object that
holds every record marshalled (``_Store``: 250 bytes a record, never written after the fork, so
shared by the workers as it is): a worker rebuilds the few records a task's pairs need (2 µs
each) and throws them away with the task.
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
from array import array
from collections.abc import Iterator, Sequence

import numpy as np

from .batch import Encoded, bounded, compare_pairs, cut_weight_of, encode
from .batch_keys import Blocks, Parts, family_blocks, pairs_at, ranges
from .model import Model
from .record import Prepared

__all__ = ["CHUNK_PAIRS", "PARALLEL_MIN_RECORDS", "can_fork", "scored", "survivors"]

#: Below this many records, worker processes cost more than they save.
PARALLEL_MIN_RECORDS = 20_000
#: Candidate pairs made and bounded together (numpy arrays of this length).
CHUNK_PAIRS = 1 << 17

_STATE: tuple = ()


def _shares(blocks: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Whether records ``i`` and ``j`` share a usable block of one family."""
    a, b = blocks[i], blocks[j]
    if blocks.shape[1] == 1:
        return (a[:, 0] == b[:, 0]) & (a[:, 0] >= 0)
    return ((a[:, :, None] == b[:, None, :]) & (a >= 0)[:, :, None]).any(axis=(1, 2))


def _first_block(blocks: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Smallest block id records ``i`` and ``j`` share in one family (they share one)."""
    a, b = blocks[i], blocks[j]
    if blocks.shape[1] == 1:
        return a[:, 0]
    same = (a[:, :, None] == b[:, None, :]).any(axis=2) & (a >= 0)
    return np.where(same, a, np.iinfo(np.int32).max).min(axis=1)


def survivors(
    families: Sequence[Blocks],
    encoded: Encoded,
    model: Model,
    cut_weight: float,
    task: tuple[int, int, int],
) -> tuple[np.ndarray, np.ndarray, int]:
    """``(i, j, candidates)`` of one task: the pairs of positions ``lo`` to ``hi`` of family
    ``f`` met there first whose bound reaches ``cut_weight``, and the number of candidate
    pairs the task had (each candidate pair is in exactly one task)."""
    f, lo, hi = task
    fam = families[f]
    i, j, left = pairs_at(fam.row, fam.partners, lo, hi)
    keep = _first_block(fam.mine, i, j) == fam.blk[left]
    for earlier in families[:f]:
        keep &= ~_shares(earlier.mine, i, j)
    i, j = i[keep], j[keep]
    left = bounded(model, encoded, i, j, cut_weight)
    return i[left].astype(np.int32), j[left].astype(np.int32), len(i)


class _Store:
    """Every record marshalled into one ``bytes`` object, read back one by one."""

    def __init__(self, records: Sequence[Prepared]) -> None:
        blob, ends, dumps = bytearray(), array("q"), marshal.dumps
        for p in records:  # no list of the parts: the blob is the only copy
            blob += dumps(tuple(p), 2)
            ends.append(len(blob))
        self.offsets = np.zeros(len(ends) + 1, dtype=np.int64)
        self.offsets[1:] = np.frombuffer(ends, dtype=np.int64) if ends else 0
        self.blob = blob  # never written again: the forked workers share its pages

    def records(self, indices: np.ndarray) -> dict[int, Prepared]:
        blob, offsets, make = self.blob, self.offsets, Prepared._make
        starts, ends = offsets[indices].tolist(), offsets[indices + 1].tolist()
        return {
            k: make(marshal.loads(blob[a:b]))  # noqa: S302 (marshalled by this process)
            for k, a, b in zip(indices.tolist(), starts, ends, strict=True)
        }


def _task(task: tuple[int, int, int]) -> tuple[list[tuple[int, int, float]], int]:
    store, cut, *state = _STATE
    i, j, count = survivors(*state, task)
    records = store.records(np.unique(np.concatenate([i, j])))
    return compare_pairs(records, state[2], i.tolist(), j.tolist(), cut), count


def can_fork(workers: int, n_records: int) -> bool:
    """Forked workers are used when asked, worth it, and possible (POSIX fork, not inside a
    daemonic process such as a Celery prefork worker)."""
    return (
        workers > 1
        and n_records >= PARALLEL_MIN_RECORDS
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def tasks_of(families: Sequence[Blocks], chunk: int | None = None) -> list[tuple[int, int, int]]:
    """``(family, lo, hi)`` of about ``chunk`` (``CHUNK_PAIRS``) pairs each."""
    size = chunk or CHUNK_PAIRS
    return [(f, lo, hi) for f, fam in enumerate(families) for lo, hi in ranges(fam.partners, size)]


def scored(
    recs: Sequence[Prepared],
    model: Model,
    cut: float,
    max_block_size: int,
    workers: int,
    parts: Parts,
    stats: dict | None = None,
) -> Iterator[tuple[int, int, float]]:
    """``(i, j, score)`` of every candidate pair scoring at least ``cut`` (each once).
    ``stats``, when given, receives the number of candidate pairs."""
    global _STATE
    families = family_blocks(parts, max_block_size)
    state = (families, encode(recs, model, parts), model, cut_weight_of(cut))
    tasks = tasks_of(families)
    candidates = 0
    if not can_fork(workers, len(recs)):
        for task in tasks:
            i, j, count = survivors(*state, task)
            candidates += count
            yield from compare_pairs(recs, model, i.tolist(), j.tolist(), cut)
    else:
        _STATE = (_Store(recs), cut, *state)
        gc.freeze()  # a collection in a worker would write every tracked object's header
        found: list[tuple[int, int, float]] = []
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for part, count in pool.imap(_task, tasks):
                    candidates += count
                    found += part
        finally:
            gc.unfreeze()
            _STATE = ()
        # handed on only now: reading a record here while the workers run (its id, for the
        # caller's pair) would write its reference count, and copy its page for this process
        yield from found
    if stats is not None:
        stats["candidates"] = candidates
