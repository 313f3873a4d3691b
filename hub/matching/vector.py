"""Set-wise intake scoring: tell the candidates that cannot reach a grade before comparing.

Intake keeps, for each new record, only the candidates whose score reaches the ``possible``
threshold (``Model.grade``): a pair below it changes no decision, no review item and no
explanation. ``Model.compare`` costs about 20 µs a pair, most of it spent writing the
field-by-field explanation; the agreement levels alone (``compare_levels``) cost about 4 µs,
and ``Model.weight_bound`` of that level pattern (cached per pattern, term frequencies at
their largest) tells whether the pair may still be graded. Only such a pair is compared in
full, and its result is ``Model.compare``'s own: the outcome of every record is exactly that
of comparing every pair.

A vectorised bound before the levels (numpy over all pairs of a chunk, as ``batch`` does) was
tried and measured (bench/exchanges/README.md): in intake each candidate record is met by
about one row of the chunk, so encoding it costs as much as the comparison it would save.
"""

from __future__ import annotations

import math

from . import stored
from .compare import compare_levels
from .model import Comparison, Model
from .record import Prepared

__all__ = ["compare_graded", "cut_weight", "load_stored"]

# ``stored.dump``'s layout of version 1: the fields of ``Prepared`` but its id, in order, the
# sets and tuples as lists. ``load_stored`` reads it in one ``Prepared._make``, about 3 times
# faster than ``stored.load``'s keyword arguments (it runs once per candidate).
_FIELDS = [name for name in Prepared._fields if name != "id"]
_SETS = [1 + _FIELDS.index(n) for n in ("surname_tokens", "first_set", "first_usual")]
_TUPLES = [1 + _FIELDS.index(n) for n in ("surnames", "surname_phon", "first_tokens")]
_LAYOUT = 1

_SLACK = 1e-9  # float rounding: never drop a pair on the edge


def cut_weight(model: Model) -> float:
    """The smallest match weight whose score gets a grade (the lowest threshold)."""
    t = min(model.thresholds.values())
    if t <= 0.0:
        return -math.inf
    if t >= 1.0:
        return 60.0  # ``Model.probability`` is 1.0 only above 60 bits
    return math.log2(t / (1.0 - t))


def load_stored(identifier, row: list) -> Prepared:
    """``stored.load(identifier, row)``, the same ``Prepared``."""
    if stored.VERSION != _LAYOUT or not isinstance(row, list) or len(row) != len(_FIELDS):
        return stored.load(identifier, row)
    values = [str(identifier), *row]
    for k in _SETS:
        values[k] = frozenset(values[k])
    for k in _TUPLES:
        values[k] = tuple(values[k])
    return Prepared._make(values)


def compare_graded(model: Model, a: Prepared, b: Prepared, cut: float) -> Comparison | None:
    """``model.compare(a, b)`` when its score may reach a grade; None when it cannot."""
    levels, _surname, _first = compare_levels(a, b)
    if model.weight_bound(levels) < cut - _SLACK:
        return None
    return model.compare(a, b)
