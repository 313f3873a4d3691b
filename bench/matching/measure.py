"""Measures of one benchmark process: CPU time, peak RSS, peak PSS of it and its workers."""

from __future__ import annotations

import resource


def cpu_seconds() -> float:
    """User + system CPU seconds of this process (all threads) and its finished children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


class PssPeak:
    """Largest total PSS (proportional set size: a page shared by n processes counts 1/n in
    each) of this process and its children, sampled every 0.2 s in a thread: what the
    machine holds, where summing RSS would count the pages forked workers share twice."""

    def __init__(self) -> None:
        import threading

        import psutil

        self._me, self.peak, self._stop = psutil.Process(), 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> float:
        total = 0
        for proc in (self._me, *self._me.children(recursive=True)):
            try:
                total += proc.memory_full_info().pss
            except Exception:  # noqa: BLE001 - a worker that just exited
                continue
        return total / 2**20

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
