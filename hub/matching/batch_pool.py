"""The batch's worker processes: this process is one of them, the others are started from a
fork server and take their tasks from the counter all share.

The others are started (in a thread: a fork server takes a few tenths of a second to import
numpy) before anything else, and wait for their work on a queue. They start on the key
families' blocks (``batch_keys.family_block``, from the integer parts written to the run
directory) while this process writes the records' codes, and this process joins them: each
takes family after family from a shared counter, and writes the blocks it built to the run
directory. Then every worker, this one included, maps the blocks and takes task after task
from another shared counter, so that none waits while tasks are left. Results come back as
arrays.
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import threading
from collections.abc import Iterator

import numpy as np

from .batch_keys import FAMILIES, Blocks, Parts, family_block
from .batch_shared import SharedDir, mapped
from .batch_tasks import init_state, release_memory, run_task, tasks_of
from .model import Model

__all__ = ["Pool"]

Found = list[tuple[int, int, float]]
_EMPTY = ("empty",)  # no message yet (``None`` is a worker's last one)
#: The families (``FAMILIES`` positions) in the order they are built: the costliest first
#: (at 1M records ``ff2`` took 3.7 s, ``sd`` 3.0 s, ``place`` 2.7 s, ``fp2`` 2.1 s, ``pn2``
#: 1.8 s, ``sp2`` 1.6 s, the others 1.1-1.4 s; 2026-12-01), so that the processes building
#: them finish together.
_BY_COST = ("ff2", "sd", "place", "fp2", "pn2", "sp2", "ff", "fd", "pn", "ids", "dp", "fb")
BUILD_ORDER = tuple(FAMILIES.index(f) for f in _BY_COST)


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


def _packed(found: Found, count: int) -> tuple:
    """A task's result as three arrays (cheaper to send than tuples; floats exact)."""
    i, j, score = zip(*found, strict=True) if found else ((), (), ())
    return (np.array(i, np.int32), np.array(j, np.int32), np.array(score, np.float64), count)


def _build_blocks(parts_spec: dict, cap: int, shared: SharedDir, counter) -> dict[int, list[str]]:
    """The families' blocks this process takes from ``counter`` (in ``BUILD_ORDER``), of the
    parts written by ``Pool.blocks``, written back as files: ``{family: paths}``."""
    arrays = {k: mapped(p) for k, p in parts_spec["arrays"].items()}
    parts = Parts(n=parts_spec["n"], surname_values=[], first_values=[], texts={}, **arrays)
    out = {}
    for k in _claimed(counter, len(BUILD_ORDER)):
        f = BUILD_ORDER[k]
        fam = family_block(parts, FAMILIES[f], cap)
        out[f] = [shared.put(f"{f}.{name}", getattr(fam, name)) for name in Blocks._fields]
        del fam
    del parts, arrays
    release_memory()
    return out


def _pickled(message) -> bytes:
    """A message between the processes, pickled by its sender: what cannot be pickled raises
    where it was sent (a queue's feeder thread would only print the error and drop it, and the
    other side would wait for it for ever)."""
    return pickle.dumps(message, pickle.HIGHEST_PROTOCOL)


def _reply(results, message) -> None:
    results.put(_pickled(message))


def _worker(inbox, results, counter, built) -> None:
    """A worker process: builds families' blocks when asked (as many as it takes from
    ``built``), then runs tasks from the shared ``counter`` until none is left, each result
    put on ``results``; ``None`` at the end, or ``("error", what)``."""
    try:
        while True:
            job = pickle.loads(inbox.get())  # noqa: S301 (the parent pickled it: ``Pool._send``)
            if job[0] == "blocks":
                _reply(results, ("blocks", _build_blocks(*job[1:], built)))
                continue
            _, spec, model, cut, tasks = job
            state = init_state(spec, model, cut)
            for k in _claimed(counter, len(tasks)):
                _reply(results, _packed(*run_task(state, tasks[k])))
            _reply(results, None)
            return
    except BaseException as exc:  # the parent raises it
        _reply(results, ("error", repr(exc)))
        raise


class Pool:
    """``workers - 1`` processes started at once from a fork server, waiting for work."""

    def __init__(self, workers: int, shared: SharedDir) -> None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["hub.matching.batch_pool"])
        self.shared = shared
        self.counter, self.inbox, self.results = ctx.Value("q", 0), ctx.Queue(), ctx.Queue()
        self.built = ctx.Value("q", 0)  # the families' blocks taken so far
        self._blocks: tuple = ()  # what ``blocks`` asked for
        args = (self.inbox, self.results, self.counter, self.built)
        self.procs = [
            ctx.Process(target=_worker, args=args, daemon=True) for _ in range(workers - 1)
        ]
        self._starting = threading.Thread(target=self._start, daemon=True)
        self._starting.start()
        self.running = len(self.procs)

    def _send(self, job: tuple) -> None:
        self.inbox.put(_pickled(job))

    def _start(self) -> None:
        for proc in self.procs:
            proc.start()

    def blocks(self, parts: Parts, cap: int) -> None:
        """Ask the workers for the families' blocks of ``parts`` (``family_block``): they
        start on them at once, and this process joins them in ``run``."""
        arrays = {
            name: self.shared.put(f"p.{name}", value)
            for name, value in parts._asdict().items()
            if isinstance(value, np.ndarray)
        }
        self._blocks = ({"n": parts.n, "arrays": arrays}, cap, self.shared)
        for _ in self.procs:
            self._send(("blocks", *self._blocks))

    def _families(self) -> list[list[str]]:
        """The paths of every family's blocks, in ``FAMILIES`` order: this process builds
        those it takes, each worker reports those it took."""
        paths = _build_blocks(*self._blocks, self.built)
        for _ in self.procs:
            item = self._get(block=True)
            if not (isinstance(item[0], str) and item[0] == "blocks"):
                raise RuntimeError("a batch worker sent a result before the blocks")
            paths.update(item[1])
        return [paths[f] for f in range(len(FAMILIES))]

    def _get(self, block: bool):
        """The next message of a worker (``_EMPTY`` when ``block`` is false and there is
        none yet)."""
        while True:
            try:
                raw = self.results.get(timeout=1.0) if block else self.results.get_nowait()
            except queue.Empty:
                if not block:
                    return _EMPTY
                self._starting.join()
                if not any(p.is_alive() for p in self.procs):
                    raise RuntimeError("a batch worker stopped without its results") from None
                continue
            item = pickle.loads(raw)  # noqa: S301 (a worker of this run pickled it: ``_reply``)
            if item is not None and isinstance(item[0], str) and item[0] == "error":
                raise RuntimeError(f"a batch worker failed: {item[1]}")
            return item

    def results_of(self, block: bool) -> Iterator[tuple[Found, int]]:
        """Tasks' results received so far (all of them when ``block``: until every worker
        is done)."""
        while self.running:
            item = self._get(block)
            if item is _EMPTY:
                return
            if item is None:
                self.running -= 1
                continue
            i, j, score, count = item
            yield list(zip(i.tolist(), j.tolist(), score.tolist(), strict=True)), count

    def run(self, model: Model, cut: float, spec: dict) -> Iterator[tuple[Found, int]]:
        """Each task's ``(found, candidates)``, once the blocks are built: this process
        works on the mapped files like every worker."""
        spec = {**spec, "families": self._families()}
        state = init_state(spec, model, cut)
        tasks = tasks_of(state[1])  # the families
        for _ in self.procs:
            self._send(("run", spec, model, cut, tasks))
        for k in _claimed(self.counter, len(tasks)):
            yield run_task(state, tasks[k])
            yield from self.results_of(block=False)
        yield from self.results_of(block=True)

    def close(self) -> None:
        self._starting.join()
        for proc in self.procs:
            if proc.pid is None:  # never started (the starting thread failed)
                continue
            proc.join(timeout=5.0)
            if proc.is_alive():
                proc.terminate()
                proc.join()
