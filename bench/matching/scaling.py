"""Batch dedup with 1 and 2 worker processes: the throughput of the scoring phase.

    .venv/bin/python bench/matching/scaling.py --dataset synthetic-100k --workers 1,2

Each worker count runs in its own subprocess: the records are read and prepared, their integer
parts and codes made (``parts_of``, ``batch.columns``: ``deduplicate`` makes them before
training, which reads them too) and the model trained there (not timed, the same in every
run), then the scoring phase of ``deduplicate`` is timed as it runs after training
(``batch_run.scored`` given those parts and codes): the blocks, candidate pairs, bound, levels
and scores, the phase the workers share, with the workers' start and the files they read.
Throughput is candidate pairs per second of wall time; the ratio is against the first worker
count of the same run. CPU counts the workers' (sampled from ``/proc``). Wall time is what the
workers change, so the figure needs a machine with that many idle cores (note the load
average beside it).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from measure import PssPeak, cpu_seconds

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def worker(name: str, workers: int, force: bool = False) -> dict:
    sys.path.insert(0, str(ROOT))
    if force:  # worker processes whatever the number of records
        import hub.matching.batch_run as batch_run

        batch_run.PARALLEL_MIN_RECORDS = 0
    from hub.matching import prepare, train
    from hub.matching.batch import columns
    from hub.matching.batch_keys import parts_of
    from hub.matching.batch_run import scored

    with open(HERE / "data" / name / "records.csv", encoding="utf-8", newline="") as fh:
        prepared = sorted((prepare(r) for r in csv.DictReader(fh)), key=lambda p: p.id)
    model = train(prepared)
    parts = parts_of(prepared)
    base = columns(prepared, parts)
    pss = PssPeak()
    stats: dict = {}
    t0, c0 = time.perf_counter(), cpu_seconds()
    cut = model.thresholds["possible"]
    pairs = list(scored(prepared, model, cut, 300, workers, parts, stats, base))
    del parts, base
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    peak = pss.stop()
    cpu += pss.other_cpu()
    return {
        "workers": workers,
        "pairs": len(pairs),
        "candidates": stats["candidates"],
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "peak_pss_mib": peak,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="synthetic-100k")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument(
        "--force-workers",
        action="store_true",
        help="use worker processes below batch_run.PARALLEL_MIN_RECORDS records too",
    )
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(a.dataset, a.worker, a.force_workers)))
        return
    print(f"load average at start: {os.getloadavg()}", flush=True)
    print(
        "| dataset | workers | result pairs | candidates | wall s | CPU s | candidates/s "
        "| throughput / first | peak PSS MiB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|", flush=True)
    first = None
    for w in (int(x) for x in a.workers.split(",")):
        cmd = [sys.executable, __file__, "--dataset", a.dataset, "--worker", str(w)]
        cmd += ["--force-workers"] if a.force_workers else []
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode:
            print(f"<!-- {w} workers failed: {out.stderr.strip().splitlines()[-1:]} -->")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rate = r["candidates"] / r["seconds"]
        first = first or rate
        print(
            f"| {a.dataset} | {w} | {r['pairs']:,} | {r['candidates']:,} | {r['seconds']:.1f} "
            f"| {r['cpu_seconds']:.1f} | {rate:,.0f} | {rate / first:.2f} "
            f"| {r['peak_pss_mib']:.0f} |",
            flush=True,
        )
    print(f"load average at end: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
