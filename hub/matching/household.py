"""The household hypothesis: two records of two people living together.

Fellegi-Sunter compares "same person" with "two people drawn at random". Relatives sharing a
home are neither: they agree on surname, address, phone and city far more often than random
people, and twins on the birth date too, so an agreeing surname, address and birth date with
disagreeing first names (twins, siblings, spouses with one usage name) reads as overwhelming
evidence of one person against random people, and as nothing much against relatives.

The model therefore weighs the evidence against both kinds of non-match::

    1 / odds = (1 - prior) / prior * P(x | random) / P(x | match)
               + share / prior * P(x | household) / P(x | match)

``share`` is the probability that two records drawn at random are of two members of one
household. A household pair shares the value of a field with a probability ``sharing[field]``
(order-of-magnitude judgements about French households, like the cold-start m and u: couples
and their children share a surname three times in four, a home nearly always, a landline
sometimes, a birth place often; twins are about 2 % of the pairs of household members; their
first names are their own): when they share it the field behaves as for one person (m, with
the same spelling errors), otherwise as for strangers (u)::

    P(level | household) = sharing * m + (1 - sharing) * u

so a field's weight against a household is never more than its weight against strangers and
keeps the order of the levels (more agreement never lowers a score). ``share`` is estimated
on the data: pairs agreeing on surname and address whose first names and birth dates both
differ are almost only relatives, so their count over ``P(that pattern | household)`` gives
the number of household pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .batch_keys import Parts, pairs_at
from .blocking import candidate_codes, household_key
from .compare import COMPARISONS, compare_levels
from .record import Prepared

__all__ = [
    "DEFAULT_HOUSEHOLD_SHARE",
    "DEFAULT_SHARING",
    "estimate_household_share",
    "household_codes",
    "household_levels",
]

#: Cold start: as many pairs of household members as pairs of duplicates (the default prior).
DEFAULT_HOUSEHOLD_SHARE = 1e-5

#: Probability that two members of one household share the value of each field.
DEFAULT_SHARING: dict[str, float] = {
    "surname": 0.75,
    "first_names": 0.01,
    "sex": 0.0,
    "birth_date": 0.02,
    "birth_place": 0.4,
    "city": 0.95,
    "address": 0.85,
    "phone": 0.3,
    "email": 0.005,
    "nir": 0.0,
}


def household_levels(
    m: dict[str, Sequence[float]], u: dict[str, Sequence[float]], sharing: dict[str, float]
) -> dict[str, list[float]]:
    """P(level | household) per field: ``sharing * m + (1 - sharing) * u``."""
    out = {}
    for name, _ in COMPARISONS:
        s = sharing.get(name, 0.0)
        out[name] = [s * a + (1.0 - s) * b for a, b in zip(m[name], u[name], strict=True)]
    return out


_NAMES = [name for name, _ in COMPARISONS]
_S, _F, _D, _A = (_NAMES.index(n) for n in ("surname", "first_names", "birth_date", "address"))
_F_DIFFERENT = frozenset(
    i for i, lv in enumerate(COMPARISONS[_F][1]) if lv in ("different", "different_sex")
)
_D_DIFFERENT = COMPARISONS[_D][1].index("different")


def _pattern_probability(p: dict[str, Sequence[float]]) -> float:
    """P(same surname, same address, other first names, other birth dates) under ``p``."""
    return (
        p["surname"][0]
        * p["address"][0]
        * sum(p["first_names"][i] for i in _F_DIFFERENT)
        * p["birth_date"][_D_DIFFERENT]
    )


def estimate_household_share(
    records: Sequence[Prepared],
    m: dict[str, Sequence[float]],
    household: dict[str, Sequence[float]],
    prior: float,
    max_block_size: int,
    levels_of: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    codes: np.ndarray | None = None,
) -> float:
    """Share of household-member pairs among all pairs of ``records`` (0 when none is seen).

    Counts pairs with the same surname, postcode and address line whose first names and birth
    dates both differ, takes away the duplicates expected to look so (``prior`` times the pairs
    times that pattern's probability under ``m``), and divides by ``P(that | household)``
    (``household``: the output of ``household_levels``) and by the number of pairs of records
    that both have a surname and an address. ``levels_of(i, j)``, when given, gives the
    pairs' levels as ``compare_levels`` would, as rows of an array (``batch_levels.levels``);
    ``codes``, the pairs' codes when already made (``household_codes``).
    """
    n_rec = max(len(records), 1)
    if codes is None:
        codes = candidate_codes(records, max_block_size, (household_key,))
    i, j = codes // n_rec, codes % n_rec
    if levels_of is not None:
        lv = levels_of(i, j)
    else:
        pairs = zip(i.tolist(), j.tolist(), strict=True)
        rows = [compare_levels(records[a], records[b])[0] for a, b in pairs]
        lv = np.asarray(rows, dtype=np.int64).reshape(len(rows), len(COMPARISONS))
    f_different = np.isin(lv[:, _F], sorted(_F_DIFFERENT))
    agree = (lv[:, _S] == 0) & (lv[:, _A] == 0) & (lv[:, _D] == _D_DIFFERENT)
    seen = int((agree & f_different).sum())
    n = sum(1 for p in records if p.address and p.surnames)
    total = n * (n - 1) // 2
    if not total:
        return 0.0
    relatives = seen - prior * total * _pattern_probability(m)
    if relatives <= 0:
        return 0.0
    return min(relatives / (total * _pattern_probability(household)), 0.5)


def household_codes(parts: Parts, max_block_size: int) -> np.ndarray:
    """``blocking.candidate_codes(records, max_block_size, (household_key,))`` from the
    batch's integer parts: the sorted distinct codes ``i * n + j`` of the records sharing a
    surname, a postcode (else commune) and an address line, in blocks of at most
    ``max_block_size`` records."""
    p, n = parts, parts.n
    ok = (p.address[p.s_row] >= 0) & (p.where[p.s_row] >= 0)
    rows = p.s_row[ok].astype(np.int64)
    key = p.s_full[ok].astype(np.int64)
    for col in (p.where[p.s_row][ok], p.address[p.s_row][ok]):
        col = col.astype(np.int64)
        key = np.unique(key * (int(col.max(initial=0)) + 1) + col, return_inverse=True)[1].ravel()
    code = np.unique(key * n + rows)
    blk, row = code // max(n, 1), code % max(n, 1)
    size = np.bincount(blk) if len(blk) else np.zeros(0, dtype=np.int64)
    keep = (size[blk] >= 2) & (size[blk] <= max(2, max_block_size))
    row, blk = row[keep], blk[keep]
    partners = np.searchsorted(blk, blk, side="right") - np.arange(len(blk)) - 1
    i, j, _ = pairs_at(row, partners, 0, len(row))
    return np.unique(i * n + j)
