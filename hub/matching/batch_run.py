"""The batch's pipeline: candidate pairs, their bound and their scores, task by task.

The work is cut into tasks, each a range of positions in one key family's blocks (about
``CHUNK_PAIRS`` pairs, ``batch_keys.ranges``). A task makes its pairs from the family's blocks,
keeps each pair only where it is first met (its smallest shared block of the first family that
has one: a few integer comparisons per pair against the records' blocks of the earlier
families, no set of the pairs already emitted), bounds them (``batch.bounded``) and scores the
pairs left, about one in ten, from their levels (``batch.score_pairs``).

With ``workers`` > 1 this process works as one of them and ``workers - 1`` others are started
from a fork server (not from this process, whose heap they would copy page by page); every
one takes its next task from a counter they share, so none waits while tasks are left. All map
the blocks and the records' integer codes from files in RAM (``batch_shared``); the other
workers read from the records' file only the few records the levels ask for.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import queue
from collections.abc import Iterator, Sequence

import numpy as np

from .batch import Encoded, bounded, cut_weight_of, encode, score_pairs
from .batch_keys import Blocks, Parts, family_blocks, pairs_at, ranges
from .batch_shared import RecordFile, SharedDir, mapped
from .model import Model
from .record import Prepared

__all__ = ["CHUNK_PAIRS", "PARALLEL_MIN_RECORDS", "scored", "survivors", "use_workers"]

#: Below this many records, worker processes cost more than they save.
PARALLEL_MIN_RECORDS = 20_000
#: Candidate pairs made and bounded together (numpy arrays of this length).
CHUNK_PAIRS = 1 << 17


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


def _init(spec: dict, model: Model, cut: float, store=None) -> tuple:
    """A worker's state: what the run directory holds, mapped (``store``: the records, when
    this process holds them)."""
    families = [Blocks(*(mapped(p) for p in paths)) for paths in spec["families"]]
    encoded = Encoded({k: mapped(p) for k, p in spec["encoded"].items()})
    store = RecordFile(*spec["records"]) if store is None else store
    return (store, cut, families, encoded, model, cut_weight_of(cut))


def _task(state: tuple, task: tuple[int, int, int]) -> tuple[list[tuple[int, int, float]], int]:
    store, cut, *rest = state
    i, j, count = survivors(*rest, task)
    return score_pairs(store, rest[1], rest[2], i, j, cut), count


def _claimed(counter, n: int) -> Iterator[int]:
    """The tasks this process takes, one at a time from the counter all processes share
    (a process that is done early takes more: no task list is split in advance)."""
    while True:
        with counter.get_lock():
            k = counter.value
            counter.value = k + 1
        if k >= n:
            return
        yield k


def _packed(found: list[tuple[int, int, float]], count: int) -> tuple:
    """A task's result as three arrays (cheaper to send than tuples; floats exact)."""
    i, j, score = zip(*found, strict=True) if found else ((), (), ())
    return (np.array(i, np.int32), np.array(j, np.int32), np.array(score, np.float64), count)


def _worker(spec: dict, model: Model, cut: float, tasks: list, counter, results) -> None:
    """A worker process: tasks from the shared counter until there are none, each result
    put on ``results``; ``None`` at the end (or the error)."""
    try:
        state = _init(spec, model, cut)
        for k in _claimed(counter, len(tasks)):
            results.put(_packed(*_task(state, tasks[k])))
    except BaseException as exc:  # the parent raises it
        results.put(("error", repr(exc)))
        raise
    results.put(None)


def _parallel(
    recs: Sequence[Prepared], model: Model, cut: float, spec: dict, tasks: list, workers: int
) -> Iterator[tuple[list[tuple[int, int, float]], int]]:
    """Each task's ``(found, candidates)``: this process works as one of the ``workers``
    (on the mapped files and its own records), the others are started from a fork server
    and take their tasks from the same counter."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    counter, results = ctx.Value("q", 0), ctx.Queue()
    args = (spec, model, cut, tasks, counter, results)
    procs = [ctx.Process(target=_worker, args=args, daemon=True) for _ in range(workers - 1)]
    for proc in procs:
        proc.start()
    try:
        running = len(procs)

        def received(block: bool) -> Iterator[tuple]:
            nonlocal running
            while running:
                try:
                    item = results.get(timeout=1.0) if block else results.get_nowait()
                except queue.Empty:
                    if not block:
                        return
                    if not any(p.is_alive() for p in procs):
                        raise RuntimeError("a batch worker stopped without its results") from None
                    continue
                if item is None:
                    running -= 1
                elif isinstance(item[0], str):  # ("error", what)
                    raise RuntimeError(f"a batch worker failed: {item[1]}")
                else:
                    i, j, score, count = item
                    found = zip(i.tolist(), j.tolist(), score.tolist(), strict=True)
                    yield list(found), count

        state = _init(spec, model, cut, recs)
        for k in _claimed(counter, len(tasks)):
            yield _task(state, tasks[k])
            yield from received(block=False)
        yield from received(block=True)
        for proc in procs:
            proc.join()
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
                proc.join()


def _release_memory() -> None:
    """Hand the memory just freed back to the system (glibc keeps it for reuse otherwise)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def use_workers(workers: int, n_records: int) -> bool:
    """Worker processes are used when asked, worth it, and possible (a POSIX fork server,
    not inside a daemonic process such as a Celery prefork worker)."""
    return (
        workers > 1
        and n_records >= PARALLEL_MIN_RECORDS
        and "forkserver" in multiprocessing.get_all_start_methods()
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
    base: dict[str, np.ndarray] | None = None,
) -> Iterator[tuple[int, int, float]]:
    """``(i, j, score)`` of every candidate pair scoring at least ``cut`` (each once).
    ``stats``, when given, receives the number of candidate pairs; ``base``: the records'
    ``batch.columns`` when already made."""
    families = family_blocks(parts, max_block_size)
    encoded = encode(recs, model, parts, base)
    del parts, base  # what is left of them is in ``encoded``
    tasks = tasks_of(families)
    candidates = 0
    if not use_workers(workers, len(recs)):
        state = (families, encoded, model, cut_weight_of(cut))
        for task in tasks:
            i, j, count = survivors(*state, task)
            candidates += count
            yield from score_pairs(recs, encoded, model, i, j, cut)
    else:
        shared = SharedDir()
        try:
            spec = {
                "families": [
                    [shared.put(f"{k}.{name}", getattr(fam, name)) for name in Blocks._fields]
                    for k, fam in enumerate(families)
                ],
                "encoded": {k: shared.put(f"e.{k}", v) for k, v in vars(encoded).items()},
                "records": shared.put_records(recs),
            }
            del families, encoded  # every worker (this process too) reads the files
            _release_memory()
            for found, count in _parallel(recs, model, cut, spec, tasks, workers):
                candidates += count
                yield from found
        finally:
            shared.remove()
    if stats is not None:
        stats["candidates"] = candidates
