"""The batch's pipeline: candidate pairs, their bound and their scores, task by task.

The work is cut into tasks, each a range of positions in one key family's blocks (about
``CHUNK_PAIRS`` pairs, ``batch_keys.ranges``). A task makes its pairs from the family's blocks,
keeps each pair only where it is first met (its smallest shared block of the first family that
has one: a few integer comparisons per pair against the records' blocks of the earlier
families, no set of the pairs already emitted), bounds them (``batch.bounded``) and scores the
pairs left, about one in ten, from their levels (``batch.score_pairs``).

With ``workers`` > 1 this process works as one of them and ``workers - 1`` others are started
from a fork server (not from this process, whose heap they would copy page by page); every
one takes its next task from a counter they share, so none waits while tasks are left
(``batch_pool``). All map the blocks and the records' integer codes from files in RAM
(``batch_shared``), and the name tables the levels read (``batch_codes``) as marshalled
entries, each read when met (``PackedTable``), so no worker reads a record.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence

import numpy as np

from .batch import encode, score_pairs
from .batch_codes import pack_table
from .batch_keys import Parts, family_blocks
from .batch_pool import Pool
from .batch_shared import SharedDir
from .batch_tasks import CHUNK_PAIRS, cut_weight_of, release_memory, survivors, tasks_of
from .model import Model
from .record import Prepared

__all__ = ["CHUNK_PAIRS", "PARALLEL_MIN_RECORDS", "scored", "survivors", "tasks_of", "use_workers"]

#: Below this many records, worker processes cost more than they save: at 100k records the
#: scoring phase is ~2.3 s of CPU in one process, and a second one adds ~0.5 s of CPU (a fork
#: server importing numpy, the codes and blocks written and mapped, the name tables sent) for
#: under 1 s of wall time (bench/matching/README.md, 2026-12-01).
PARALLEL_MIN_RECORDS = 200_000


def use_workers(workers: int, n_records: int) -> bool:
    """Worker processes are used when asked, worth it, and possible (a POSIX fork server,
    not inside a daemonic process such as a Celery prefork worker)."""
    return (
        workers > 1
        and n_records >= PARALLEL_MIN_RECORDS
        and "forkserver" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def _packed_tables(shared: SharedDir, tables: Sequence) -> list[tuple[str, str]]:
    """The name tables written packed (``batch_codes.pack_table``): each worker reads the
    entries it meets."""
    out = []
    for k, table in enumerate(tables):
        blob, at = pack_table(table)
        out.append((shared.put(f"t{k}.blob", blob), shared.put(f"t{k}.at", at)))
    return out


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
    candidates = 0
    if not use_workers(workers, len(recs)):
        families = family_blocks(parts, max_block_size)
        encoded = encode(recs, model, parts, base)
        del parts, base  # what is left of them is in ``encoded``
        state = (families, encoded, model, cut_weight_of(cut))
        for task in tasks_of(families):
            i, j, count = survivors(*state, task)
            candidates += count
            yield from score_pairs(encoded, model, i, j, cut)
    else:
        shared = SharedDir()
        pool = Pool(workers, shared)  # started first: they boot meanwhile
        try:
            pool.blocks(parts, max_block_size)  # the workers start on them
            encoded = encode(recs, model, parts, base)
            del parts, base
            columns = vars(encoded)
            spec = {
                "encoded": {
                    k: shared.put(f"e.{k}", v)
                    for k, v in columns.items()
                    if isinstance(v, np.ndarray)
                },
                "tables": _packed_tables(shared, columns["tables"]),
            }
            # every worker (this process too) reads the files: nothing of ``encoded`` is
            # kept here (``columns``, its ``__dict__``, held all its arrays until 2026-12-01)
            del encoded, columns
            release_memory()
            for found, count in pool.run(model, cut, spec):
                candidates += count
                yield from found
        finally:
            try:
                pool.close()
            finally:
                shared.remove()  # the files in RAM go whatever happened
    if stats is not None:
        stats["candidates"] = candidates
