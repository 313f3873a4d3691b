"""Measures of one benchmark process: CPU time, peak RSS, peak PSS of it and its workers."""

from __future__ import annotations

import resource
from pathlib import Path

PREFIX = "passerelle-batch-"  # hub.matching.batch_shared.PREFIX


def _run_dirs() -> set[Path]:
    return set(Path("/dev/shm").glob(PREFIX + "*"))


def _ram_files(before: set[Path] = frozenset()) -> int:
    """Bytes of the files in the batch's run directories in RAM, but for those of ``before``
    (there when the measure started: another run's, or one a failed run left)."""
    total = 0
    for d in _run_dirs() - before:
        try:
            total += sum(f.stat().st_size for f in d.iterdir())
        except OSError:  # removed meanwhile
            continue
    return total


def cpu_seconds() -> float:
    """User + system CPU seconds of this process (all threads) and its finished children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


def _pss_without_shmem(pid: int) -> int:
    """PSS of a process without its shared-memory (tmpfs) pages, in bytes (0 once gone)."""
    fields = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in ("Pss", "Pss_Shmem"):
                    fields[key] = int(rest.split()[0]) * 1024
    except OSError:  # a worker that just exited
        return 0
    return fields.get("Pss", 0) - fields.get("Pss_Shmem", 0)


class PssPeak:
    """Largest total PSS (proportional set size: a page shared by n processes counts 1/n in
    each) of this process and its children, sampled every 0.2 s in a thread: what the
    machine holds, where summing RSS would count the pages forked workers share twice."""

    def __init__(self) -> None:
        import threading

        import psutil  # the process tree; sizes are read from /proc

        self._me, self.peak, self._stop = psutil.Process(), 0.0, threading.Event()
        self._before = _run_dirs()  # not ours: left out
        self._cpu: dict[
            int, tuple[float, bool]
        ] = {}  # last CPU seen of each process not reaped by us
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> float:
        # the batch's run directories in RAM (``hub.matching.batch_shared``) made since the
        # start are counted in full, whether or not a process maps them, and left out of
        # each process's PSS
        total = _ram_files(self._before)
        direct = {p.pid for p in self._me.children()}
        for proc in (self._me, *self._me.children(recursive=True)):
            total += _pss_without_shmem(proc.pid)
            if proc.pid != self._me.pid:
                try:
                    t = proc.cpu_times()
                except Exception:  # noqa: BLE001 - gone meanwhile
                    continue
                # a direct child is counted by RUSAGE_CHILDREN once reaped: kept here only
                # while it lives (a fork server and its workers, reaped by it, never are)
                self._cpu[proc.pid] = (t.user + t.system, proc.pid in direct)
        return total / 2**20

    def other_cpu(self) -> float:
        """CPU seconds of the descendants ``cpu_seconds`` misses: those not reaped by this
        process (the workers of a fork server), as last sampled (within 0.2 s of their end),
        and direct children still running."""
        alive = {p.pid for p in self._me.children()}
        return sum(c for pid, (c, direct) in self._cpu.items() if not direct or pid in alive)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self._sample())

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return max(self.peak, self._sample())


def peak_rss_mib() -> float:
    """Peak RSS of this process plus that of its largest child (worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024
