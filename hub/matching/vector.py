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

from .batch import _MULTI, Encoded, _codes, upper_bound
from .compare import compare_levels
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
    return Encoded(
        {
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
