"""Benchmark: our engine vs Splink 5 (DuckDB) on FEBRL 1-4 and synthetic French data.

    .venv/bin/python bench/matching/run.py \
        --datasets febrl1,febrl2,febrl3,febrl4,synthetic-10k,synthetic-100k

Each (dataset, engine) runs in its own subprocess so that the peak resident memory
(``ru_maxrss``) and time are its own. Needs the ``bench`` extra (recordlinkage, splink, psutil).

* ours: ``hub.matching.deduplicate(records)`` with defaults: EM training on the data itself,
  default thresholds (score >= 0.5 is a predicted duplicate). Nothing is tuned on the truth.
* Splink: documented settings below, EM-trained, and we report its BEST F1 over every
  threshold (an upper bound it could not reach without labels).
* FEBRL mapping: given_name -> first_names, surname -> birth_name, date_of_birth (YYYYMMDD) ->
  birth_date (an impossible month/day keeps only the year, or YYYY-MM), suburb -> city,
  postcode -> postcode, street_number + address_1 + address_2 -> address, soc_sec_id -> nir
  (an exact identifier token, like the hub's hashed NIR). ``state`` is not used.
  FEBRL4 is a linkage of two files: both engines deduplicate the union and only pairs across
  the two files are kept and scored.
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

from datasets import DATA, HERE, _best_f1, _scores, load
from measure import PssPeak, cpu_seconds, peak_rss_mib

WORKERS = min(2, os.cpu_count() or 1)  # Splink/DuckDB uses every core too
ROOT = HERE.parents[1]
OUR_FIELDS = [
    "id",
    "first_names",
    "birth_name",
    "usage_name",
    "sex",
    "birth_date",
    "birth_place",
    "postcode",
    "city",
    "address",
    "phone",
    "email",
    "nir",
]


# --- engines (run in a subprocess) --------------------------------------------------------


def _stream(name: str):
    """(records as an iterator, a function giving the true pairs, is_linkage): synthetic
    files are read row by row, so that ours never holds the raw rows (the 1M file is 1.3 GiB
    of dicts), and their truth is read after the timed run (its memory is not ours)."""
    if name.startswith("febrl"):
        recs, truth, linkage = load(name)
        return iter(recs), lambda: truth, linkage

    def rows():
        with open(DATA / name / "records.csv", encoding="utf-8", newline="") as fh:
            yield from csv.DictReader(fh)

    return rows(), lambda: load(name, rows=False)[1], False


def worker_ours(name: str, workers: int = WORKERS) -> dict:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    import numpy as np
    from grades import grade_report

    from hub.matching import Model, deduplicate, prepare
    from hub.matching.batch import encode
    from hub.matching.batch_keys import family_blocks, parts_of
    from hub.matching.batch_run import survivors, tasks_of

    rows, truth_of, linkage = _stream(name)
    source: dict[str, str] = {}  # FEBRL4's file of each record (linkage only)

    def fed(rows):
        for r in rows:
            if linkage:
                source[r["id"]] = r.pop("_source", "")
            yield r

    pss = PssPeak()
    t0, c0 = time.perf_counter(), cpu_seconds()
    # the rows go to ``deduplicate`` as they are read (reading the file is timed with ours,
    # Splink's loading is not), and it prepares them, as for any caller
    pairs = deduplicate(fed(rows), workers=workers)
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    peak_pss = pss.stop()
    cpu += pss.other_cpu()
    # the prepared records again, for the figures below (not timed)
    prepared = sorted((prepare(r) for r in fed(_stream(name)[0])), key=lambda p: p.id)
    truth = truth_of()
    graded = {
        (p.id_a, p.id_b): p.grade for p in pairs if not linkage or source[p.id_a] != source[p.id_b]
    }
    pred = set(graded)
    # blocking recall and candidate count (not timed)
    # every candidate pair (a cut of -inf keeps them all): the pairs of
    # ``candidate_codes(prepared)`` (tests/matching/test_matching_batch_keys.py), faster
    parts, n = parts_of(prepared), len(prepared)
    families, default = family_blocks(parts), Model.default()
    encoded = encode(prepared, default, parts)
    found = [survivors(families, encoded, default, -np.inf, t) for t in tasks_of(families)]
    codes = np.sort(np.concatenate([i.astype(np.int64) * n + j for i, j, _ in found]))
    del found, families, encoded, parts
    index = {p.id: k for k, p in enumerate(prepared)}
    truth_codes = np.array(
        sorted(min(index[a], index[b]) * n + max(index[a], index[b]) for a, b in truth),
        dtype=np.int64,
    )
    by_id = {p.id: p for p in prepared}
    return {
        **_scores(pred, truth),
        "grades": grade_report(graded, truth, by_id),
        "blocking_recall": float(np.isin(truth_codes, codes).mean()),
        "candidates": len(codes),
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "peak_mib": peak_rss_mib(),
        "peak_pss_mib": peak_pss,
        "workers": workers,
        "records": n,
        "true_pairs": len(truth),
    }


def _splink_frame(recs: list[dict]):
    import pandas as pd

    sys.path.insert(0, str(ROOT))
    from hub.matching.normalize import fold, normalize_phone

    def clean(v: str) -> str | None:
        v = fold(v).lower()
        return v or None

    rows = []
    for r in recs:
        date = r.get("birth_date") or ""
        rows.append(
            {
                "unique_id": r["id"],
                "first_names": clean(r.get("first_names", "")),
                "surname": clean(r.get("birth_name", "")),
                "usage_name": clean(r.get("usage_name", "")),
                "sex": clean(r.get("sex", "")),
                "dob": date if len(date) == 10 else None,
                "birth_place": clean(r.get("birth_place", "")),
                "postcode": clean(r.get("postcode", "")),
                "city": clean(r.get("city", "")),
                "address": clean(r.get("address", "")),
                "phone": normalize_phone(r.get("phone", "")) or None,
                "email": (r.get("email") or "").strip().lower() or None,
                "nir": clean(r.get("nir", "")),
            }
        )
    return pd.DataFrame(rows)


def worker_splink(name: str) -> dict:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    recs, truth, linkage = load(name)
    source = {r["id"]: r.get("_source", "") for r in recs}
    df = _splink_frame(recs)
    has = {c for c in df.columns if df[c].notna().any()}
    pss = PssPeak()
    t0, c0 = time.perf_counter(), cpu_seconds()
    comparisons = [
        cl.NameComparison("first_names").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("dob", input_is_string=True),
        cl.ExactMatch("postcode"),
        cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        cl.JaroWinklerAtThresholds("address", [0.95, 0.88]),
        cl.ExactMatch("nir"),
    ]
    rules = [
        block_on("first_names", "surname"),
        block_on("surname", "dob"),
        block_on("first_names", "dob"),
        block_on("postcode", "dob"),
        block_on("nir"),
    ]
    for col in ("sex", "birth_place", "usage_name"):
        if col in has:
            comparisons.append(cl.ExactMatch(col))
    if "phone" in has:
        comparisons.append(cl.ExactMatch("phone"))
        rules.append(block_on("phone"))
    if "email" in has:
        comparisons.append(cl.EmailComparison("email"))
        rules.append(block_on("email"))
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules,
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(df), settings, log_level="WARNING")
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_names", "surname", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_names", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    preds = linker.inference.predict().as_pandas_dataframe()
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    peak_pss = pss.stop()
    cpu += pss.other_cpu()
    scored = []
    blocked = set()
    cols = (preds["unique_id_l"], preds["unique_id_r"], preds["match_probability"])
    for a, b, p in zip(*cols, strict=True):
        a, b = str(a), str(b)
        if linkage and source[a] == source[b]:
            continue
        pair = (a, b) if a < b else (b, a)
        blocked.add(pair)
        scored.append((float(p), pair))
    sys.path.insert(0, str(HERE))
    from grades import splink_at

    at = {str(c): splink_at(scored, truth, c) for c in (0.99, 0.9, 0.5)}
    best = _best_f1(scored, truth)
    return {
        **best,
        "at": at,
        "blocking_recall": len(blocked & truth) / len(truth),
        "candidates": len(preds),
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "peak_mib": peak_rss_mib(),
        "peak_pss_mib": peak_pss,
    }


# --- driver -------------------------------------------------------------------------------


def _run_sub(engine: str, name: str, workers: int = WORKERS) -> dict:
    cmd = [sys.executable, str(Path(__file__)), "--worker", engine, "--datasets", name]
    cmd += ["--workers", str(workers)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fmt(ours: dict, spl: dict, name: str) -> str:
    def g(d: dict, k: str, f: str = "{:.4f}") -> str:
        return f.format(d[k]) if k in d else "n/a"

    def ratio(k: str, f: str = "{:.2f}") -> str:
        return f.format(ours[k] / spl[k]) if ours.get(k) and spl.get(k) else "n/a"

    cells = [
        name,
        g(ours, "records", "{:,}"),
        g(ours, "precision"),
        g(ours, "recall"),
        g(ours, "f1"),
        g(spl, "f1"),
        ratio("f1", "{:.3f}"),
        g(ours, "blocking_recall"),
        g(spl, "blocking_recall"),
        g(ours, "candidates", "{:,}"),
        g(spl, "candidates", "{:,}"),
        g(ours, "seconds", "{:.1f}"),
        g(spl, "seconds", "{:.1f}"),
        ratio("seconds"),
        g(ours, "cpu_seconds", "{:.1f}"),
        g(spl, "cpu_seconds", "{:.1f}"),
        ratio("cpu_seconds"),
        g(ours, "peak_pss_mib", "{:.0f}"),
        g(spl, "peak_pss_mib", "{:.0f}"),
    ]
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| dataset | records | ours P | ours R | ours F1 (default thr.) | Splink best F1 "
    "| F1 ours/Splink | ours blocking recall | Splink blocking recall | ours candidates "
    "| Splink candidates | ours wall s | Splink wall s | wall ours/Splink | ours CPU s "
    "| Splink CPU s | CPU ours/Splink | ours peak PSS MiB | Splink peak PSS MiB |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="febrl1,febrl2,febrl3,febrl4,synthetic-10k")
    ap.add_argument("--engines", default="ours,splink")
    ap.add_argument("--json", help="append each dataset's raw figures to this JSON-lines file")
    ap.add_argument("--workers", type=int, default=WORKERS, help="our worker processes")
    ap.add_argument("--worker", choices=["ours", "splink"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        res = (
            worker_ours(a.datasets, a.workers) if a.worker == "ours" else worker_splink(a.datasets)
        )
        print(json.dumps(res))
        return
    sys.path.insert(0, str(HERE))
    from grades import GRADE_HEADER, grade_row

    engines = a.engines.split(",")
    print(HEADER, flush=True)
    rows = []
    for name in a.datasets.split(","):
        ours = _run_sub("ours", name, a.workers) if "ours" in engines else {}
        spl = _run_sub("splink", name) if "splink" in engines else {}
        for label, res in (("ours", ours), ("splink", spl)):
            if "error" in res:
                print(f"<!-- {name} {label} failed: {res['error']} -->", flush=True)
        print(_fmt(ours, spl, name), flush=True)
        rows.append(grade_row(name, ours, spl))
        if a.json:
            with open(a.json, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"dataset": name, "ours": ours, "splink": spl}) + "\n")
    print("\n" + GRADE_HEADER)
    print("\n".join(rows), flush=True)


if __name__ == "__main__":
    main()
