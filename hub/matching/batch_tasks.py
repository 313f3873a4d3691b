"""One task of the batch: a range of one key family's blocks, its candidate pairs met there
first, their bound, and the scores of the pairs left (``batch_run`` describes the pipeline)."""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Sequence

import numpy as np

from .batch import Encoded, bounded, cut_weight_of, score_pairs
from .batch_codes import PackedTable
from .batch_keys import Blocks, pairs_at, ranges
from .batch_shared import mapped
from .model import Model

__all__ = [
    "CHUNK_PAIRS",
    "cut_weight_of",
    "init_state",
    "release_memory",
    "run_task",
    "survivors",
    "tasks_of",
]

#: Candidate pairs made and bounded together (numpy arrays of this length).
CHUNK_PAIRS = 1 << 17


def _columns(cols: np.ndarray, k: np.ndarray) -> list[np.ndarray]:
    """Records ``k``'s blocks of one family, a column each (``Blocks.mine``), up to the last
    column holding a block for one of them (a record's blocks come first, padding after)."""
    out = []
    for col in cols:
        c = col[k]
        if out and not (c >= 0).any():
            break
        out.append(c)
    return out


def _hit(a: np.ndarray, b: list[np.ndarray]) -> np.ndarray:
    """Whether each ``a`` (a block or ``-1``) is among the same row's ``b``."""
    hit = a == b[0]
    for c in b[1:]:
        hit |= a == c
    return hit & (a >= 0)


def _shares(cols: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Whether records ``i`` and ``j`` share a usable block of one family (``Blocks.mine``:
    a few columns, so a few comparisons of whole arrays)."""
    if not len(i):
        return np.zeros(0, dtype=bool)
    a, b = _columns(cols, i), _columns(cols, j)
    out = _hit(a[0], b)
    for c in a[1:]:
        out |= _hit(c, b)
    return out


_NONE = np.iinfo(np.int32).max


def _first_block(cols: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Smallest block id records ``i`` and ``j`` share in one family (they share one)."""
    if len(cols) == 1 or not len(i):
        return cols[0][i]
    a, b = _columns(cols, i), _columns(cols, j)
    out = np.where(_hit(a[0], b), a[0], _NONE)
    for c in a[1:]:
        out = np.minimum(out, np.where(_hit(c, b), c, _NONE))
    return out


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
    i, j = i[keep], j[keep]
    for earlier in families[:f]:  # each family on the pairs the others left
        keep = ~_shares(earlier.mine, i, j)
        i, j = i[keep], j[keep]
    left = bounded(model, encoded, i, j, cut_weight)
    return i[left].astype(np.int32), j[left].astype(np.int32), len(i)


def init_state(spec: dict, model: Model, cut: float) -> tuple:
    """A worker's state: what the run directory holds, mapped, and the name tables."""
    families = [Blocks(*(mapped(p) for p in paths)) for paths in spec["families"]]
    tables = tuple(PackedTable(mapped(blob), mapped(at)) for blob, at in spec["tables"])
    encoded = Encoded({**{k: mapped(p) for k, p in spec["encoded"].items()}, "tables": tables})
    return (cut, families, encoded, model, cut_weight_of(cut))


def run_task(state: tuple, task: tuple[int, int, int]) -> tuple[list[tuple[int, int, float]], int]:
    cut, *rest = state
    i, j, count = survivors(*rest, task)
    return score_pairs(rest[1], rest[2], i, j, cut), count


def release_memory() -> None:
    """Hand the memory just freed back to the system (glibc keeps it for reuse otherwise)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def tasks_of(families: Sequence[Blocks], chunk: int | None = None) -> list[tuple[int, int, int]]:
    """``(family, lo, hi)`` of about ``chunk`` (``CHUNK_PAIRS``) pairs each."""
    size = chunk or CHUNK_PAIRS
    return [(f, lo, hi) for f, fam in enumerate(families) for lo, hi in ranges(fam.partners, size)]
