"""Per-grade quality and error classes for the matching bench.

* Per grade (``certain``, ``probable``, ``possible``): how many pairs got that grade, the
  precision of those pairs, and the cumulative precision/recall at that grade or better.
* Error classes, read from the two records' contents (the same rules on every dataset, so a
  dataset with no household truth, like FEBRL, is classified too):

  - ``twins``: surname agrees, same full birth date, first names not the same;
  - ``homonyms``: first name and surname agree, birth dates differ;
  - ``spouses``: first names differ, recorded sexes differ, birth years at most 12 apart,
    same home (address or postcode) and one of them known by a surname the other lacks
    (a usage name), or a shared surname;
  - ``siblings``: first names differ, surname agrees or home shared, birth dates differ
    (parents and children included);
  - ``swaps``: first name and surname exchanged;
  - ``other``.

  For missed true pairs the classes are ``swaps``, ``first_names`` (the first names do not
  agree), ``birth_date`` (the dates do not agree), ``surname``, ``other``.
"""

from __future__ import annotations

from collections import Counter

from hub.matching import LEVELS, compare_levels

GRADES = ("certain", "probable", "possible")
FALSE_CLASSES = ("twins", "siblings", "spouses", "homonyms", "swaps", "other")
MISSED_CLASSES = ("swaps", "first_names", "birth_date", "surname", "other")

_S = LEVELS["surname"]
_F = LEVELS["first_names"]
_D = LEVELS["birth_date"]
_NAME_AGREE = {"exact", "partial"}
_FIRST_AGREE = {"exact"}
_DATE_SAME = {"exact", "exact_placeholder"}
_DATE_CLOSE = {"exact", "exact_placeholder", "partial", "day_month_swapped", "typo"}


def _levels(a, b) -> dict[str, str]:
    lv, _, _ = compare_levels(a, b)
    return {name: LEVELS[name][i] for name, i in zip(LEVELS, lv, strict=True)}


def false_class(a, b) -> str:
    """Class of a predicted pair that is not a true pair (``a``, ``b`` are Prepared)."""
    lv = _levels(a, b)
    s, f, d = lv["surname"], lv["first_names"], lv["birth_date"]
    if s == "swapped":
        return "swaps"
    same_surname = s in _NAME_AGREE or bool(a.surname_tokens & b.surname_tokens)
    home = lv["address"] in ("exact", "fuzzy") or lv["city"] in ("exact", "same_postcode")
    first_same = f in _FIRST_AGREE
    if same_surname and first_same and d not in _DATE_SAME:
        return "homonyms"
    if first_same:
        return "other"
    if same_surname and d in _DATE_SAME:
        return "twins"
    if (
        home
        and a.sex
        and b.sex
        and a.sex != b.sex
        and a.year
        and b.year
        and abs(a.year - b.year) <= 12
        and d not in _DATE_SAME
    ):
        return "spouses"
    if (same_surname or home) and d not in _DATE_SAME:
        return "siblings"
    return "other"


def missed_class(a, b) -> str:
    """Class of a true pair the engine did not predict."""
    lv = _levels(a, b)
    if lv["surname"] == "swapped":
        return "swaps"
    if lv["first_names"] not in ("exact", "partial", "missing"):
        return "first_names"
    if lv["birth_date"] not in _DATE_CLOSE and lv["birth_date"] != "missing":
        return "birth_date"
    if lv["surname"] not in ("exact", "partial", "missing"):
        return "surname"
    return "other"


def grade_report(graded: dict[tuple[str, str], str], truth: set, prepared: dict) -> dict:
    """``graded``: predicted pair -> grade. Returns per-grade figures and error classes."""
    out: dict = {}
    n_truth = len(truth) or 1
    cum_pred = cum_tp = 0
    for g in GRADES:
        pairs = [p for p, gr in graded.items() if gr == g]
        tp = sum(p in truth for p in pairs)
        cum_pred += len(pairs)
        cum_tp += tp
        cp = cum_tp / cum_pred if cum_pred else 0.0
        cr = cum_tp / n_truth
        out[g] = {
            "pairs": len(pairs),
            "precision": tp / len(pairs) if pairs else 1.0,
            "cum_precision": cp,
            "cum_recall": cr,
            "cum_f1": 2 * cp * cr / (cp + cr) if cp + cr else 0.0,
        }
    false_all: Counter = Counter()
    false_certain: Counter = Counter()
    for p, g in graded.items():
        if p not in truth:
            c = false_class(prepared[p[0]], prepared[p[1]])
            false_all[c] += 1
            if g == "certain":
                false_certain[c] += 1
    missed: Counter = Counter(
        missed_class(prepared[a], prepared[b]) for a, b in truth if (a, b) not in graded
    )
    out["false_certain"] = {c: false_certain[c] for c in FALSE_CLASSES}
    out["false_all"] = {c: false_all[c] for c in FALSE_CLASSES}
    out["missed"] = {c: missed[c] for c in MISSED_CLASSES}
    return out


def splink_at(scored: list[tuple[float, tuple[str, str]]], truth: set, cut: float) -> dict:
    """Splink's precision/recall at a fixed probability threshold."""
    pred = {p for s, p in scored if s >= cut}
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(truth) if truth else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


GRADE_HEADER = (
    "| dataset | certain pairs | P certain | R ≥certain | P probable | R ≥probable "
    "| F1 ≥probable | P possible | R ≥possible | F1 ≥possible | Splink P/R at 0.99 "
    "| Splink F1 at 0.9 / 0.5 | false certain (tw/sib/sp/hom/swap/oth) "
    "| false ≥possible (tw/sib/sp/hom/swap/oth) | missed (swap/first/date/surname/oth) |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|"
)


def grade_row(name: str, ours: dict, spl: dict) -> str:
    g = ours.get("grades")
    if not g:
        return f"| {name} | n/a |"

    def f(x: float) -> str:
        return f"{x:.4f}"

    def counts(key: str, classes: tuple[str, ...]) -> str:
        return "/".join(str(g[key][c]) for c in classes)

    s = spl.get("at", {})
    s99, s90, s50 = (s.get(k, {}) for k in ("0.99", "0.9", "0.5"))
    cells = [
        name,
        f"{g['certain']['pairs']:,}",
        f(g["certain"]["precision"]),
        f(g["certain"]["cum_recall"]),
        f(g["probable"]["precision"]),
        f(g["probable"]["cum_recall"]),
        f(g["probable"]["cum_f1"]),
        f(g["possible"]["precision"]),
        f(g["possible"]["cum_recall"]),
        f(g["possible"]["cum_f1"]),
        f"{s99['precision']:.4f} / {s99['recall']:.4f}" if s99 else "n/a",
        f"{s90['f1']:.4f} / {s50['f1']:.4f}" if s90 and s50 else "n/a",
        counts("false_certain", FALSE_CLASSES),
        counts("false_all", FALSE_CLASSES),
        counts("missed", MISSED_CLASSES),
    ]
    return "| " + " | ".join(cells) + " |"
