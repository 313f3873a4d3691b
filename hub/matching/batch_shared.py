"""What the batch's workers read, written once to files in RAM and mapped by each worker.

Workers forked from the process that holds the records inherit its heap: every small object a
worker allocates lands in the free slots of that heap and copies its page (about 270 MiB a
worker at 1M records, measured). The workers are therefore started from a fresh server process
(``forkserver``), and what they read is handed over as files in a RAM-backed directory
(``/dev/shm`` where there is one): each numpy array as an ``.npy`` file mapped read-only. A
page of those files is held once however many workers map it; the directory is removed when
the run ends. (``put_records``/``RecordFile``, records marshalled into one file and read back
one by one, are no longer used by the batch: its workers read codes and name tables only.)
"""

from __future__ import annotations

import marshal
import mmap
import os
import shutil
import tempfile
from array import array
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .record import Prepared

__all__ = ["RecordFile", "SharedDir"]

#: Prefix of the run directories (so that a benchmark can count their size).
PREFIX = "passerelle-batch-"
#: RAM-backed (tmpfs) on Linux; ``mkdtemp`` makes a private (0700) directory in it.
_RAM = "/dev/shm"  # noqa: S108


class SharedDir:
    """A run directory: ``put`` arrays and records in it, ``remove`` it at the end."""

    def __init__(self) -> None:
        base = _RAM if os.access(_RAM, os.W_OK) else None
        self.path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))

    def put(self, name: str, values: np.ndarray) -> str:
        path = self.path / f"{name}.npy"
        np.save(path, np.ascontiguousarray(values))
        return str(path)

    def put_records(self, records: Sequence[Prepared]) -> tuple[str, str]:
        """Every record marshalled into one file (no copy of them all held here)."""
        path = self.path / "records.bin"
        ends, dumps, at = array("q", [0]), marshal.dumps, 0
        with open(path, "wb") as fh:
            for p in records:
                at += fh.write(dumps(tuple(p), 2))
                ends.append(at)
        return str(path), self.put("offsets", np.frombuffer(ends, dtype=np.int64))

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def mapped(path: str) -> np.ndarray:
    """A read-only view of an array written by ``SharedDir.put`` (a plain ``ndarray`` on
    the mapped file: indexing a ``numpy.memmap`` makes a memmap of each result, slowly)."""
    return np.load(path, mmap_mode="r").view(np.ndarray)


class RecordFile:
    """The records of ``SharedDir.put_records``, read back one by one (2 µs a record)."""

    def __init__(self, path: str, offsets: str) -> None:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            self.blob = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        self.offsets = mapped(offsets)
        self._at = memoryview(self.offsets) if len(self.offsets) else memoryview(b"")
        self._seen: dict[int, Prepared] = {}

    def __getitem__(self, k: int) -> Prepared:
        """Record ``k``, read from the file once until ``forget`` (what
        ``batch_levels.levels`` asks for: a few records, each maybe for several fields)."""
        p = self._seen.get(k)
        if p is None:
            at = self._at
            p = Prepared._make(marshal.loads(self.blob[at[k] : at[k + 1]]))  # noqa: S302
            self._seen[k] = p
        return p

    def forget(self) -> None:
        """Let go of the records read so far (a task's)."""
        self._seen.clear()

    def records(self, indices: np.ndarray) -> dict[int, Prepared]:
        blob, make = self.blob, Prepared._make
        starts, ends = self.offsets[indices].tolist(), self.offsets[indices + 1].tolist()
        return {
            k: make(marshal.loads(blob[a:b]))  # noqa: S302 (marshalled by this run)
            for k, a, b in zip(indices.tolist(), starts, ends, strict=True)
        }
