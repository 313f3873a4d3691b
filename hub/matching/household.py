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
household; ``P(level | household)`` per field is set below (order-of-magnitude judgements
about French households, like the cold-start m and u: couples and their children share a
surname three times in four, an address and a city nearly always, a landline sometimes; twins
are about 2 % of the pairs of household members; their first names differ and half of them are
of the other sex). ``share`` is estimated on the data: pairs agreeing on surname and address
whose first names and birth dates both differ are almost only relatives, so their count over
``P(that pattern | household)`` gives the number of household pairs.
"""

from __future__ import annotations

from collections.abc import Sequence

from .blocking import candidate_pairs, household_key
from .compare import COMPARISONS, compare_levels
from .record import Prepared

__all__ = ["DEFAULT_HOUSEHOLD", "DEFAULT_HOUSEHOLD_SHARE", "estimate_household_share"]

#: Cold start: as many pairs of household members as pairs of duplicates (the default prior).
DEFAULT_HOUSEHOLD_SHARE = 1e-5

#: P(level | two members of one household), non-missing levels in ``COMPARISONS`` order.
DEFAULT_HOUSEHOLD: dict[str, tuple[float, ...]] = {
    "surname": (0.75, 0.0005, 0.05, 0.005, 0.005, 0.01, 0.1795),
    # exact, swapped, partial, usual_form, phonetic, typo, fuzzy, different, different_sex
    "first_names": (0.01, 1e-4, 0.02, 0.001, 0.005, 0.003, 0.03, 0.45, 0.4809),
    "sex": (0.5, 0.5),
    # exact (twins), 01/01, partial, day/month swapped, typo, year +-1, different
    "birth_date": (0.02, 5e-4, 0.01, 1e-4, 0.003, 0.002, 0.9644),
    "birth_place": (0.4, 0.01, 0.59),
    "city": (0.9, 0.02, 0.03, 0.05),
    "address": (0.75, 0.1, 0.15),
    "phone": (0.3, 0.001, 0.699),
    "email": (0.005, 0.002, 0.993),
    "nir": (1e-6, 1e-5, 0.999989),
}

_NAMES = [name for name, _ in COMPARISONS]
_S, _F, _D, _A = (_NAMES.index(n) for n in ("surname", "first_names", "birth_date", "address"))
_F_DIFFERENT = frozenset(
    i for i, lv in enumerate(COMPARISONS[_F][1]) if lv in ("different", "different_sex")
)
_D_DIFFERENT = COMPARISONS[_D][1].index("different")


def estimate_household_share(
    records: Sequence[Prepared],
    household: dict[str, Sequence[float]],
    max_block_size: int,
) -> float:
    """Share of household-member pairs among all pairs of ``records`` (0 when none is seen).

    Counts pairs with the same surname, postcode and address line whose first names and birth
    dates both differ, and divides by ``P(that | household)`` and by the number of pairs of
    records that both have a surname and an address.
    """
    pairs = candidate_pairs(records, max_block_size, (household_key,))
    seen = 0
    for i, j in pairs:
        lv = compare_levels(records[i], records[j])[0]
        if lv[_S] == 0 and lv[_A] == 0 and lv[_F] in _F_DIFFERENT and lv[_D] == _D_DIFFERENT:
            seen += 1
    n = sum(1 for p in records if p.address and p.surnames)
    total = n * (n - 1) // 2
    if not seen or not total:
        return 0.0
    h = household
    p_pattern = (
        h["surname"][0]
        * h["address"][0]
        * sum(h["first_names"][i] for i in _F_DIFFERENT)
        * h["birth_date"][_D_DIFFERENT]
    )
    return min(seen / (total * p_pattern), 0.5)
