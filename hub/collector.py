"""The cyclic garbage collector paused while a chunk of set-wise work runs.

A chunk of an import allocates hundreds of thousands of small containers (the candidates'
prepared features, model instances, rows) and keeps up to a hundred thousand prepared records
for the job's next chunks (``hub.registry.pool.Features``). The collector's automatic runs scan
them again and again: measured on the import bench (100k persons present, 4,000 rows), 3,872
collections, 21 of them full, took 6.2 s of the job's 21 s.

``Chunks`` pauses automatic collection during a chunk; after it, the young generations are
collected (what the chunk left in reference cycles is young) and every ``full_every`` chunks
the whole heap is, so cyclic garbage is still reclaimed, at a bounded cost. The collector is
left as it was found (a caller that runs with it disabled keeps it disabled).

A full collection scans every object the job keeps (the features above, at their bound): on the
same bench, 451 ms each, against 20–50 ms for the young generations after a chunk, and each
found about three objects in cycles. Every 10 chunks it was 3 % of the job; every 50, well
under 1 %, and what a chunk leaves in cycles among old objects waits at most 50 chunks.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


class Chunks:
    def __init__(self, full_every: int = 50):
        self.full_every = max(1, full_every)
        self.done = 0

    @contextmanager
    def chunk(self):
        enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            self.done += 1
            gc.collect(2 if self.done % self.full_every == 0 else 1)
            if enabled:
                gc.enable()
