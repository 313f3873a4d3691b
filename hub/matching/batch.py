"""Batch scoring of candidate pairs: a vectorised upper bound first, full comparison after.

Most candidate pairs of a large file are plainly two people (a common surname and birth year,
nothing else). Each record is encoded once as integer codes (one per field: the value's
number, ``-1`` when missing); for a chunk of candidate pairs, numpy then gives each field its
agreement level where codes alone decide it (missing, equal, birth-date levels, ...) and, where
they do not (two different surnames may still be a typo), the best weight any level could
give. The sum is an upper bound of the pair's match weight (every level weight, term
frequencies at their largest, the household hypothesis combined as ``Model._combine`` does:
an increasing function of both weights). Pairs whose bound is under the cut are dropped without
a Python-level comparison; the others go through ``compare_levels`` and ``Model.weight_of``,
so the result is exactly that of comparing every pair.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .batch_codes import level_codes, name_tables, second_surnames
from .batch_keys import Parts, parts_of
from .batch_levels import date_digits, date_levels, levels
from .compare import COMPARISONS, compare_levels
from .model import TF_BOUND, Model
from .record import Prepared

__all__ = [
    "Encoded",
    "bounded",
    "columns",
    "compare_pairs",
    "encode",
    "score_chunk",
    "score_pairs",
    "upper_bound",
]

_NAMES = [name for name, _ in COMPARISONS]
_F = {name: i for i, name in enumerate(_NAMES)}
_TF_ONE = math.log2(TF_BOUND)
_MULTI = -2  # several surnames: the surname level is not decided by codes
_S_EXACT = 0  # the exact level of surnames and of first names
_F_EXACT = 0


class Encoded:
    """Integer codes of records (``-1``: missing), built by ``encode``."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        self.__dict__.update(columns)


def _tf(model: Model, name: str, index: int, values: list[str], codes: np.ndarray) -> np.ndarray:
    """``model._tf_adjust`` of each record's value (``values[code]``, none when -1),
    computed once per distinct value."""
    table = np.fromiter((model._tf_adjust(name, index, v) for v in values), np.float64)
    return np.where(codes >= 0, np.append(table, 0.0)[codes], 0.0)


def columns(records: Sequence[Prepared], parts: Parts | None = None) -> dict[str, np.ndarray]:
    """One integer code per record and field (from ``batch_keys.parts_of``, computed here
    unless given, and ``batch_levels.level_codes``): what ``levels`` reads."""
    p = parts_of(records) if parts is None else parts
    date = p.year * 10_000 + p.month * 100 + p.day
    return {
        "surname": np.where(p.several, _MULTI, p.surname),
        "first": p.f_full,
        "sex": p.sex,
        "year": p.year,
        "month": p.month,
        "day": p.day,
        "date": date,
        "digits": date_digits(date),
        "birth_place": p.birth_place,
        "postcode": p.postcode,
        "commune": p.commune,
        "address": p.address,
        "phone": p.phone,
        "email": p.email,
        "nir": p.nir,
        "s_first": p.surname,
        "s_second": second_surnames(p),
        **level_codes(records),
        **name_tables(p.surname_values, p.first_values),
        **p.texts,  # birth place, commune, address, phone, e-mail, NIR: their values
    }


def encode(
    records: Sequence[Prepared],
    model: Model,
    parts: Parts | None = None,
    base: dict[str, np.ndarray] | None = None,
) -> Encoded:
    """``columns`` (``base`` when given) and the term-frequency correction an exact
    agreement on the record's name would get (``Model._tf_adjust``)."""
    p = parts_of(records) if parts is None else parts
    cols = columns(records, p) if base is None else base
    return Encoded(
        {
            **cols,
            "tf_s": _tf(model, "surname", 0, p.surname_values, p.surname),
            "tf_f": _tf(model, "first_names", 1, p.first_values, p.f_full),
        }
    )


def _best(table: list[float], levels: Sequence[int]) -> float:
    return max(table[lv] for lv in levels)


def _field(w: list[float], a: np.ndarray, b: np.ndarray, others: Sequence[int]) -> np.ndarray:
    """Weight of an exact/other/missing field: 0 when missing, exact's weight when equal,
    the best of ``others`` when different."""
    miss = (a < 0) | (b < 0)
    return np.where(miss, 0.0, np.where(a == b, w[0], _best(w, others)))


#: Fields bounded first (most pairs are dropped on them), then the others.
_FIRST_STAGE = ("surname", "first_names", "birth_date")
_SECOND_STAGE = tuple(n for n in _NAMES if n not in _FIRST_STAGE)


def _bound_of(
    model: Model, e: Encoded, i: np.ndarray, j: np.ndarray, fields: Sequence[str]
) -> list[np.ndarray]:
    """Upper bound of what ``fields`` add to the weight against random pairs and against
    household pairs (term frequencies on the first; priors left out)."""
    tables = [(model._weights, True)]
    if model._h_prior_weight is not None:
        tables.append((model._h_weights, False))
    out = [np.zeros(len(i)) for _ in tables]
    for name in fields:
        f = _F[name]
        if name == "surname":
            sa, sb = e.surname[i], e.surname[j]
            unknown = (sa == _MULTI) | (sb == _MULTI)
            same = sa == sb
            tf_s = e.tf_s[i]
        elif name == "first_names":
            fa, fb = e.first[i], e.first[j]
            same_f = (fa == fb) & (fa >= 0)
            tf_f = e.tf_f[i]
        elif name == "birth_date":
            dates = date_levels(e, i, j)
        for total, (weights, tf) in zip(out, tables, strict=True):
            w = weights[f]
            if name == "surname":
                any_level = max(w[:-1]) + (_TF_ONE if tf else 0.0)
                known = _field(w, sa, sb, range(1, len(w) - 1))
                if tf:
                    known = known + np.where(same, tf_s, 0.0)
                total += np.where(unknown, max(any_level, 0.0), known)
            elif name == "first_names":
                total += _field(w, fa, fb, range(1, len(w) - 1))
                if tf:
                    total += np.where(same_f, tf_f, 0.0)
            elif name == "sex":
                xa, xb = e.sex[i], e.sex[j]
                total += np.where((xa < 0) | (xb < 0), max(w), np.where(xa == xb, w[0], w[1]))
            elif name == "birth_date":
                total += np.asarray(w)[dates]
            elif name == "city":
                total += _city(w, e, i, j)
            else:
                codes = getattr(e, name)
                total += _field(w, codes[i], codes[j], (1, 2))
    return out


def _rest(model: Model, fields: Sequence[str]) -> list[float]:
    """The most ``fields`` can add, per hypothesis (a missing value adds 0)."""
    tables = [model._weights]
    if model._h_prior_weight is not None:
        tables.append(model._h_weights)
    return [sum(max(max(t[_F[name]]), 0.0) for name in fields) for t in tables]


def _combined(model: Model, parts: list[np.ndarray]) -> np.ndarray:
    w_rand = model._prior_weight + parts[0]
    if model._h_prior_weight is None:
        return w_rand
    return -np.logaddexp2(-w_rand, -(model._h_prior_weight + parts[1]))


def upper_bound(model: Model, e: Encoded, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """An upper bound of ``model.weight_of(*compare_levels(records[i], records[j]))``."""
    return _combined(model, _bound_of(model, e, i, j, _NAMES))


def bounded(
    model: Model, e: Encoded, i: np.ndarray, j: np.ndarray, cut_weight: float
) -> np.ndarray:
    """Positions of the pairs whose upper bound reaches ``cut_weight``: the name and date
    fields are bounded first with the others at their best, and only the pairs left are
    bounded on the others (the same pairs as ``upper_bound(...) >= cut_weight``)."""
    first = _bound_of(model, e, i, j, _FIRST_STAGE)
    rest = _rest(model, _SECOND_STAGE)
    keep = np.flatnonzero(
        _combined(model, [a + b for a, b in zip(first, rest, strict=True)]) >= cut_weight - 1e-9
    )
    second = _bound_of(model, e, i[keep], j[keep], _SECOND_STAGE)
    total = [a[keep] + b for a, b in zip(first, second, strict=True)]
    return keep[_combined(model, total) >= cut_weight - 1e-9]


def _city(w: list[float], e: Encoded, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``compare._city``: a postcode decides by codes; communes of two codes may still be
    alike (Jaro-Winkler), so ``same_city`` stays possible for them."""
    pa, pb, ca, cb = e.postcode[i], e.postcode[j], e.commune[i], e.commune[j]
    pc, ci = (pa >= 0) & (pb >= 0), (ca >= 0) & (cb >= 0)
    same_pc, same_ci = pc & (pa == pb), ci & (ca == cb)
    maybe_ci = ci & (ca != cb)  # may still be the same city
    out = np.full(len(i), w[3])
    out = np.where(maybe_ci, max(w[2], w[3]), out)
    out = np.where(same_ci, w[2], out)
    out = np.where(same_pc, np.where(maybe_ci, max(w[0], w[1]), w[0]), out)
    out = np.where(same_pc & same_ci, w[0], out)
    return np.where(~pc & ~ci, 0.0, out)


def cut_weight_of(cut: float) -> float:
    """The match weight of probability ``cut``."""
    return math.log2(cut / (1.0 - cut)) if 0.0 < cut < 1.0 else -math.inf


def compare_pairs(
    records: Sequence[Prepared], model: Model, i: Sequence[int], j: Sequence[int], cut: float
) -> list[tuple[int, int, float]]:
    """``(i, j, score)`` of the pairs scoring at least ``cut``, fully compared (the pairs
    left by ``bounded``), in their order."""
    cut_weight = cut_weight_of(cut)
    out = []
    weight_of, probability, bound = model.weight_of, model.probability, model.weight_bound
    for x, y in zip(i, j, strict=True):
        levels, s_val, f_val = compare_levels(records[x], records[y])
        if bound(levels) < cut_weight:
            continue
        score = probability(weight_of(levels, s_val, f_val))
        if score >= cut:
            out.append((x, y, score))
    return out


def score_pairs(
    e: Encoded, model: Model, i: np.ndarray, j: np.ndarray, cut: float
) -> list[tuple[int, int, float]]:
    """``compare_pairs`` from the records' codes: the levels of every pair at once
    (``batch_levels.levels``), the weight of each distinct level pattern once
    (``Model._pattern``), term frequencies from ``e``; the pairs whose weight may reach the
    cut are then scored one by one exactly as ``Model.weight_of`` does. ``records``: anything
    indexable by position (only a few are read)."""
    if not len(i):
        return []
    cut_weight = cut_weight_of(cut)
    lv = levels(e, i, j)
    packed = np.zeros(len(i), dtype=np.int64)
    for f in range(lv.shape[1]):
        packed |= lv[:, f].astype(np.int64) << (4 * f)
    _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    patterns = [tuple(row) for row in lv[first].tolist()]
    weights = [model._pattern(p) for p in patterns]
    w_rand = np.array([w for w, _ in weights])[inverse]
    s_exact = lv[:, 0] == _S_EXACT
    f_exact = lv[:, 1] == _F_EXACT
    several_a, several_b = e.surname[i] == _MULTI, e.surname[j] == _MULTI
    # an exact surname's value: the single surname of one side, else ``min`` of the common
    # ones (at most ``_TF_ONE`` here, computed below)
    tf_s = np.where(~several_a, e.tf_s[i], np.where(~several_b, e.tf_s[j], _TF_ONE))
    tf_f = e.tf_f[i]
    bound = w_rand + np.where(s_exact, tf_s, 0.0) + np.where(f_exact, tf_f, 0.0)
    if model._h_prior_weight is not None:
        w_home = np.array([w for _, w in weights])[inverse]
        bound = -np.logaddexp2(-bound, -w_home)
    keep = np.flatnonzero(bound >= cut_weight - 1e-9)
    out = []
    combine, probability, tf_adjust = model._combine, model.probability, model._tf_adjust
    both = several_a & several_b
    for x, y, p, s_ex, f_ex, tfs, tff, multi in zip(
        i[keep].tolist(),
        j[keep].tolist(),
        inverse[keep].tolist(),
        s_exact[keep].tolist(),
        f_exact[keep].tolist(),
        tf_s[keep].tolist(),
        tf_f[keep].tolist(),
        both[keep].tolist(),
        strict=True,
    ):
        w, w_h = weights[p]
        if s_ex:
            if multi:
                surnames = e.tables[0]
                common = set(surnames[e.sk[x]][0]).intersection(surnames[e.sk[y]][0])
                tfs = tf_adjust("surname", 0, min(common))
            w += tfs
        if f_ex:
            w += tff
        score = probability(combine(w, w_h))
        if score >= cut:
            out.append((x, y, score))
    return out


def score_chunk(
    records: Sequence[Prepared],
    encoded: Encoded,
    model: Model,
    codes: np.ndarray,
    cut: float,
) -> list[tuple[int, int, float]]:
    """``(i, j, score)`` of the candidate pairs in ``codes`` (``i * n + j``) scoring at
    least ``cut``, in the order of ``codes``."""
    n = len(records)
    i, j = codes // n, codes % n
    keep = bounded(model, encoded, i, j, cut_weight_of(cut))
    return score_pairs(encoded, model, i[keep], j[keep], cut)
