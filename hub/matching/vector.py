"""Set-wise intake scoring: drop the (record, candidate) pairs that cannot reach a grade.

Intake keeps, for each new record, only the candidates whose score reaches the ``possible``
threshold (``Model.grade``): a pair below it changes no decision, no review item and no
explanation. Two cheap filters tell such pairs before ``Model.compare`` (about 20 µs a pair,
most of it spent on the field-by-field explanation):

* ``reachable``: for every pair of a chunk at once, numpy gives an upper bound of the match
  weight (``batch.upper_bound``: per-field best case from integer codes, term frequencies at
  their largest) from the candidates' stored features (``stored.dump`` lists) without building
  their ``Prepared``; a pair whose bound is under the cut is never compared;
* ``compare_graded``: the agreement levels of a remaining pair (``compare_levels``, a few µs)
  and ``Model.weight_bound`` of that level pattern; only a pair that may still be graded is
  compared in full. Its result is ``Model.compare``'s own, so the outcome of every record is
  exactly that of comparing every pair.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .batch import _F, _MULTI, _TF_ONE, Encoded, _city, _codes, _date_levels, _field
from .compare import NAME_FUZZY, compare_levels
from .model import Comparison, Model
from .record import Prepared

__all__ = ["FIELDS", "compare_graded", "cut_weight", "encode_stored", "reachable"]

# Positions in a ``stored.dump`` list: the fields of ``Prepared`` but its id, in order.
FIELDS = tuple(n for n in Prepared._fields if n != "id")
_AT = {name: i for i, name in enumerate(FIELDS)}
_SLACK = 1e-9  # float rounding of the bound's sum: never drop a pair on the edge


def cut_weight(model: Model) -> float:
    """The smallest match weight whose score gets a grade (``possible``)."""
    t = min(model.thresholds.values())
    if t <= 0.0:
        return -math.inf
    if t >= 1.0:
        return 60.0  # ``Model.probability`` is 1.0 only above 60 bits
    return math.log2(t / (1.0 - t))


def encode_stored(rows: Sequence[list], model: Model) -> Encoded:
    """``batch.encode`` of records given as ``stored.dump`` lists."""
    n = len(rows)

    def column(name: str) -> list:
        k = _AT[name]
        return [row[k] for row in rows]

    surnames = column("surnames")
    surname = _codes([s[0] if len(s) == 1 else "" for s in surnames])
    several = np.fromiter((len(s) > 1 for s in surnames), bool, n)
    surname[several] = _MULTI
    tf_s = [model._tf_adjust("surname", 0, s[0]) if s else 0.0 for s in surnames]
    first = column("first")
    tf_f = [model._tf_adjust("first_names", 1, f) for f in first]
    year = np.asarray(column("year"), dtype=np.int64).reshape(n)
    month = np.asarray(column("month"), dtype=np.int64).reshape(n)
    day = np.asarray(column("day"), dtype=np.int64).reshape(n)
    date = year * 10_000 + month * 100 + day
    first_sex = column("first_sex")
    return Encoded(
        {
            **_name_columns(surnames, column("surname_phon"), column("surname_tokens"), first),
            "first_phon": _codes(column("first_phon")),
            "first_many": np.fromiter((len(t) != 1 for t in column("first_tokens")), bool, n),
            "first_usual": np.fromiter((bool(u) for u in column("first_usual")), bool, n),
            "first_sex": _codes(first_sex),
            "email_box": _codes([v.split("@", 1)[0] if v else "" for v in column("email")]),
            **_chars("phone", column("phone")),
            **_chars("nir", column("nir")),
            "surname": surname,
            "first": _codes(first),
            "sex": _codes(column("sex")),
            "year": year,
            "month": month,
            "day": day,
            "date": date,
            "digits": ((date[:, None] // 10 ** np.arange(7, -1, -1)) % 10).astype(np.int8),
            "birth_place": _codes(column("birth_place")),
            "postcode": _codes(column("postcode")),
            "commune": _codes(column("commune")),
            "address": _codes(column("address")),
            "phone": _codes(column("phone")),
            "email": _codes(column("email")),
            "nir": _codes(column("nir")),
            "tf_s": np.asarray(tf_s, dtype=np.float64).reshape(n),
            "tf_f": np.asarray(tf_f, dtype=np.float64).reshape(n),
        }
    )


_LETTERS = 27  # A..Z, and one bin for any other character (a bound stays a bound)


def _histogram(names: list[str]) -> np.ndarray:
    out = np.zeros((len(names), _LETTERS), dtype=np.int16)
    for row, name in enumerate(names):
        for char in name:
            code = ord(char) - 65
            out[row, code if 0 <= code < 26 else 26] += 1
    return out


def _name_columns(surnames, surname_phon, surname_tokens, first) -> dict:
    """Letter histograms and lengths of the (single) surname and the first name: enough to
    tell that two names cannot be within one edit, contain one another or be Jaro-Winkler
    close, whatever their order of letters."""
    single = [s[0] if len(s) == 1 else "" for s in surnames]
    return {
        "s_hist": _histogram(single),
        "s_len": np.asarray([len(s) for s in single], dtype=np.int64).reshape(len(single)),
        "s_phon": _codes([p[0] if len(p) == 1 else "" for p in surname_phon]),
        "s_many": np.fromiter((len(t) != 1 for t in surname_tokens), bool, len(single)),
        "f_hist": _histogram(first),
        "f_len": np.asarray([len(f) for f in first], dtype=np.int64).reshape(len(first)),
    }


def _chars(name: str, values: list[str]) -> dict:
    """The characters of an identifier, left-aligned (0 past its end), and its length."""
    width = max((len(v) for v in values), default=0) or 1
    out = np.zeros((len(values), width), dtype=np.uint32)
    for row, value in enumerate(values):
        out[row, : len(value)] = [ord(c) for c in value]
    lengths = np.asarray([len(v) for v in values], dtype=np.int64).reshape(len(values))
    return {f"{name}_chars": out, f"{name}_len": lengths}


def _typo_may(e: Encoded, name: str, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``compare._exactish``'s typo: as long, 6 characters or more, at most two differ."""
    chars, length = getattr(e, f"{name}_chars"), getattr(e, f"{name}_len")
    same = (length[i] == length[j]) & (length[i] >= 6)
    return same & ((chars[i] != chars[j]).sum(axis=1) <= 2)


def _exactish(w: list[float], a, b, typo) -> np.ndarray:
    """An identifier's weight: 0 when missing, exact's when equal, else typo's when it may
    be one, else different's."""
    miss = (a < 0) | (b < 0)
    return np.where(miss, 0.0, np.where(a == b, w[0], np.where(typo, max(w[1], w[2]), w[2])))


def _common(ha, hb) -> np.ndarray:
    return np.minimum(ha, hb).sum(axis=1)


def _jw_may(ha, la, hb, lb) -> np.ndarray:
    """Jaro-Winkler may reach ``NAME_FUZZY``: matches are at most the shared letters, the
    transposition term at most 1, the prefix bonus at most 4 × 0.1 of what is left."""
    m = _common(ha, hb)
    with np.errstate(divide="ignore", invalid="ignore"):
        jaro = np.where((la > 0) & (lb > 0), (m / la + m / lb + 1.0) / 3.0, 0.0)
    jaro = np.where(m == 0, 0.0, jaro)
    return jaro + 0.4 * (1.0 - jaro) >= NAME_FUZZY - 1e-9


def _one_edit_may(ha, la, hb, lb) -> np.ndarray:
    """Optimal string alignment distance may be at most 1."""
    diff = np.abs(ha - hb).sum(axis=1)
    return (np.abs(la - lb) <= 1) & (diff <= 2)


def _contains_may(ha, la, hb, lb) -> np.ndarray:
    """One may be a substring (or a prefix) of the other, both of 3 letters or more."""
    return (np.minimum(la, lb) >= 3) & (_common(ha, hb) == np.minimum(la, lb))


def _best(w: list[float], allowed: list[tuple[int, np.ndarray]]) -> np.ndarray:
    """The best weight of the levels each pair may reach."""
    out = None
    for level, may in allowed:
        value = np.where(may, w[level], -np.inf)
        out = value if out is None else np.maximum(out, value)
    return out


def _name_levels(e: Encoded, i: np.ndarray, j: np.ndarray) -> tuple[list, list, np.ndarray]:
    """The surname and first-name levels each pair may reach (``compare._surname``,
    ``compare._first``, the swap and the crossing of ``compare_levels``), as (level, mask)
    lists, for pairs whose names differ; and the mask of pairs with the same first name."""
    n = len(i)
    every = np.ones(n, bool)
    sha, shb, sla, slb = e.s_hist[i], e.s_hist[j], e.s_len[i], e.s_len[j]
    fha, fhb, fla, flb = e.f_hist[i], e.f_hist[j], e.f_len[i], e.f_len[j]
    several = (e.surname[i] == _MULTI) | (e.surname[j] == _MULTI)
    both_first = (e.first[i] >= 0) & (e.first[j] >= 0)
    swap = several | (
        both_first
        & (sla > 0)
        & (slb > 0)
        & _jw_may(sha, sla, fhb, flb)
        & _jw_may(shb, slb, fha, fla)
    )
    surname = [
        (1, swap),
        (2, several | e.s_many[i] | e.s_many[j] | _contains_may(sha, sla, shb, slb)),
        (3, several | ((e.s_phon[i] >= 0) & (e.s_phon[i] == e.s_phon[j]))),
        (4, several | _one_edit_may(sha, sla, shb, slb)),
        (5, several | _jw_may(sha, sla, shb, slb)),
        (6, every),
    ]
    many = e.first_many[i] | e.first_many[j]
    sexes = (e.first_sex[i] >= 0) & (e.first_sex[j] >= 0) & (e.first_sex[i] != e.first_sex[j])
    crossed = several | (
        (sla > 0)
        & (slb > 0)
        & (_one_edit_may(sha, sla, fhb, flb) | _one_edit_may(shb, slb, fha, fla))
    )
    first = [
        (1, swap),
        (2, many | _contains_may(fha, fla, fhb, flb)),
        (3, e.first_usual[i] | e.first_usual[j]),
        (4, (e.first_phon[i] >= 0) & (e.first_phon[i] == e.first_phon[j])),
        (5, many | sexes | _one_edit_may(fha, fla, fhb, flb)),
        (6, _jw_may(fha, fla, fhb, flb)),
        (7, crossed),
        (8, every),
        (9, every),
    ]
    return surname, first, both_first & (e.first[i] == e.first[j])


def upper_bound(model: Model, e: Encoded, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``batch.upper_bound`` with the name fields bounded from their letters too."""
    surname_may, first_may, same_first = _name_levels(e, i, j)
    phone_typo, nir_typo = _typo_may(e, "phone", i, j), _typo_may(e, "nir", i, j)
    same_box = (e.email_box[i] >= 0) & (e.email_box[i] == e.email_box[j])
    out = []
    for weights, tf in ((model._weights, True), (model._h_weights, False)):
        total = np.zeros(len(i))
        w = weights[_F["surname"]]
        sa, sb = e.surname[i], e.surname[j]
        several = (sa == _MULTI) | (sb == _MULTI)
        exact = w[0] + (e.tf_s[i] if tf else 0.0)
        any_level = max(w[:-1]) + (_TF_ONE if tf else 0.0)
        differ = _best(w, surname_may)
        total += np.where(
            several,
            np.maximum(any_level, 0.0),
            np.where((sa < 0) | (sb < 0), 0.0, np.where(sa == sb, exact, differ)),
        )
        w = weights[_F["first_names"]]
        fa, fb = e.first[i], e.first[j]
        differ = _best(w, first_may)
        exact = w[0] + (e.tf_f[i] if tf else 0.0)
        total += np.where((fa < 0) | (fb < 0), 0.0, np.where(same_first, exact, differ))
        w = weights[_F["sex"]]
        xa, xb = e.sex[i], e.sex[j]
        total += np.where((xa < 0) | (xb < 0), max(w), np.where(xa == xb, w[0], w[1]))
        total += np.asarray(weights[_F["birth_date"]])[_date_levels(e, i, j)]
        w = weights[_F["birth_place"]]
        total += _field(w, e.birth_place[i], e.birth_place[j], (1, 2))
        total += _city(weights[_F["city"]], e, i, j)
        total += _field(weights[_F["address"]], e.address[i], e.address[j], (1, 2))
        total += _exactish(weights[_F["phone"]], e.phone[i], e.phone[j], phone_typo)
        total += _exactish(weights[_F["email"]], e.email[i], e.email[j], same_box)
        total += _exactish(weights[_F["nir"]], e.nir[i], e.nir[j], nir_typo)
        out.append(total)
    w_rand = model._prior_weight + out[0]
    if model._h_prior_weight is None:
        return w_rand
    w_home = model._h_prior_weight + out[1]
    return -np.logaddexp2(-w_rand, -w_home)


def reachable(model: Model, rows: Sequence[list], i: Sequence[int], j: Sequence[int]) -> list:
    """For each pair (``rows[i[k]]``, ``rows[j[k]]``): may its score reach a grade?"""
    if not len(i):
        return []
    cut = cut_weight(model)
    if cut == -math.inf:
        return [True] * len(i)
    encoded = encode_stored(rows, model)
    bound = upper_bound(model, encoded, np.asarray(i, np.int64), np.asarray(j, np.int64))
    return (bound >= cut - _SLACK).tolist()


def compare_graded(model: Model, a: Prepared, b: Prepared, cut: float) -> Comparison | None:
    """``model.compare(a, b)`` when its score may reach a grade; None when it cannot."""
    levels, _surname, _first = compare_levels(a, b)
    if model.weight_bound(levels) < cut - _SLACK:
        return None
    return model.compare(a, b)
