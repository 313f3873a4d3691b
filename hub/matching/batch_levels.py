"""``compare_levels`` for arrays of pairs, from the records' integer codes.

Each field's level is decided by codes where they decide it (a value missing on one side, two
equal values, the birth-date rules, postcodes); where they do not (two different surnames may
be a typo, two first names a usual form), the comparator of ``compare.py`` is called once per
distinct combination of the codes it depends on, on the first pair that has it, and its level
is given to every pair with the same codes. The levels are therefore exactly those of
``compare_levels`` (``tests/matching/test_matching_batch_levels.py`` checks it pair by pair),
for a fraction of the Python calls: the pairs of a block share their values.

The comparators called on a combination read the names of the pair it was met on from the
tables of ``level_codes`` (each distinct surname set and first-name field once, as ``Names``),
so no record is read: workers need only the codes and these tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.process import cpdist

from .batch_codes import Names, level_codes, name_tables, names_of, second_surnames
from .batch_strings import COMPARE, values
from .compare import (
    D_EXACT,
    D_PLACEHOLDER,
    F_CROSSED,
    F_DIFF,
    F_DIFF_SEX,
    F_EXACT,
    F_FUZZY,
    F_MISS,
    F_PARTIAL,
    F_PHON,
    F_SWAPPED,
    F_TYPO,
    N_DIFF,
    N_EXACT,
    N_FUZZY,
    N_MISS,
    N_PARTIAL,
    N_PHON,
    N_SWAPPED,
    N_TYPO,
    NAME_FUZZY,
    _crossed,
    _first,
    _surname,
)
from .record import Prepared

__all__ = [
    "Names",
    "date_digits",
    "date_levels",
    "level_codes",
    "levels",
    "name_tables",
    "names_of",
    "pattern_counts",
    "second_surnames",
]

N_FIELDS = 10
_S, _F, _SEX, _D, _PLACE, _CITY, _ADDRESS, _PHONE, _EMAIL, _NIR = range(N_FIELDS)


def _strings(table: np.ndarray, codes: np.ndarray) -> list[str]:
    return table[codes].tolist()


def _close(x: list[str], y: list[str]) -> np.ndarray:
    """``compare._close`` of each pair: equal, or Jaro-Winkler >= ``NAME_FUZZY``."""
    return cpdist(x, y, scorer=JaroWinkler.normalized_similarity, score_cutoff=NAME_FUZZY) > 0


def _osa1(x: list[str], y: list[str]) -> np.ndarray:
    """OSA distance of each pair, ``2`` for anything over 1."""
    return cpdist(x, y, scorer=OSA.distance, score_cutoff=1)


def _lengths(x: list[str]) -> np.ndarray:
    return np.fromiter(map(len, x), dtype=np.int64, count=len(x))


def _near(x: list[str], y: list[str]) -> np.ndarray:
    """``compare._near`` of each pair."""
    lx, ly = _lengths(x), _lengths(y)
    d = _osa1(x, y)
    return (d == 0) | ((np.abs(lx - ly) <= 1) & (np.minimum(lx, ly) >= 4) & (d <= 1))


def _few_surnames(e, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``compare._surname`` of pairs of records of one or two one-word surnames
    (``s_simple``): exact when they share one, else the best level of every pair of their
    names (``_name_level``); their words are their names, so no word is shared either."""
    best = np.full(len(i), N_DIFF, dtype=np.int8)
    firsts, seconds = (e.s_first, e.s_ph), (e.s_second, e.s_ph2)
    for (ca, pa), (cb, pb) in (
        (firsts, firsts),
        (firsts, seconds),
        (seconds, firsts),
        (seconds, seconds),
    ):
        a, b = ca[i], cb[j]
        k = np.flatnonzero((a >= 0) & (b >= 0))
        if len(k):
            level = _name_pair(e, a[k], b[k], pa[i[k]], pb[j[k]])
            best[k] = np.minimum(best[k], level)
    return best


def _first_names(e, i: np.ndarray, j: np.ndarray, same_sex: np.ndarray) -> np.ndarray:
    """``compare._first`` of two different first names of one given name each, without
    usual forms (``f_simple``): the first of partial (one a prefix of the other), phonetic,
    typo, fuzzy that holds; names of two sexes are ``different_sex`` unless both records
    state the same sex (``typo`` at best then)."""
    x, y = _strings(e.fv, e.first[i]), _strings(e.fv, e.first[j])
    lx, ly = _lengths(x), _lengths(y)
    prefix = np.fromiter(
        (u.startswith(v) or v.startswith(u) for u, v in zip(x, y, strict=True)),
        dtype=bool,
        count=len(x),
    )
    partial = prefix & (np.minimum(lx, ly) >= 3)
    pa, pb = e.f_ph[i], e.f_ph[j]
    phon = (pa >= 0) & (pa == pb)
    level = np.select(
        [partial, phon, _osa1(x, y) <= 1, _close(x, y)],
        [F_PARTIAL, F_PHON, F_TYPO, F_FUZZY],
        F_DIFF,
    )
    sa, sb = e.fsx[i], e.fsx[j]
    two = (sa >= 0) & (sb >= 0) & (sa != sb)
    level = np.where(two, np.where(same_sex, np.maximum(level, F_TYPO), F_DIFF_SEX), level)
    return level.astype(np.int8)


def _name_pair(e, a: np.ndarray, b: np.ndarray, pa: np.ndarray, pb: np.ndarray) -> np.ndarray:
    """``_name_level`` of one pair of surnames (codes ``a``, ``b``, phonetic codes ``pa``,
    ``pb``): exact, else the first of partial, phonetic, typo, fuzzy that holds."""
    x, y = _strings(e.sv, a), _strings(e.sv, b)
    lx, ly = _lengths(x), _lengths(y)
    inside = np.fromiter(
        (u in v or v in u for u, v in zip(x, y, strict=True)), dtype=bool, count=len(x)
    )
    partial = inside & (np.minimum(lx, ly) >= 3)
    phon = (pa >= 0) & (pa == pb)
    typo = _osa1(x, y) <= 1
    fuzzy = _close(x, y)
    out = np.select([partial, phon, typo, fuzzy], [N_PARTIAL, N_PHON, N_TYPO, N_FUZZY], N_DIFF)
    return np.where(a == b, N_EXACT, out).astype(np.int8)


def date_digits(date: np.ndarray) -> np.ndarray:
    """The eight decimal digits of each ``YYYYMMDD`` (non-negative), four bits each, the
    last digit lowest: what ``date_levels`` compares digit by digit."""
    out = np.zeros(len(date), dtype=np.int64)
    rest = date.astype(np.int64)
    for k in range(8):
        out |= (rest % 10) << (4 * k)
        rest //= 10
    return out


_NIBBLES = 0x11111111  # the lowest bit of each of eight 4-bit digits


def _differ(x: np.ndarray) -> np.ndarray:
    """Of packed digits ``x``, the lowest bit of each digit that is not 0."""
    return (x | (x >> 1) | (x >> 2) | (x >> 3)) & _NIBBLES


def _digit_typo(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``compare._date``'s one-character typo of two full dates (packed digits): one digit
    differs, or two adjacent ones are exchanged."""
    diff = _differ(a ^ b)
    ham = np.bitwise_count(diff)
    # digits t and t + 1 both differ, a's t is b's t + 1 and a's t + 1 is b's t
    swap = diff & (diff >> 4) & ~_differ(a ^ (b >> 4)) & ~_differ((a >> 4) ^ b) & 0x01111111
    return (ham == 1) | ((ham == 2) & (swap != 0))


def date_levels(e, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``compare._date`` (and the exact fast path of ``compare_levels``), vectorised."""
    ya, yb, ma, mb, da, db = e.year[i], e.year[j], e.month[i], e.month[j], e.day[i], e.day[j]
    va, vb = e.date[i], e.date[j]
    level = np.full(len(i), 6, dtype=np.int8)  # different
    full_a, full_b = (ma > 0) & (da > 0), (mb > 0) & (db > 0)
    both = full_a & full_b
    same_year = ya == yb
    # both full: swap, 01/01, one-character typo, year off by one (first rule that holds)
    rule = np.full(len(i), 6, dtype=np.int8)
    typo = _digit_typo(e.digits[i], e.digits[j])
    rule[(np.abs(ya - yb) == 1) & (ma == mb) & (da == db)] = 5
    rule[typo] = 4
    placeholder = ((ma == 1) & (da == 1)) | ((mb == 1) & (db == 1))
    rule[same_year & placeholder] = 2
    rule[same_year & (ma == db) & (da == mb)] = 3
    level[both] = rule[both]
    # at least one partial date
    part = ~both
    year_off = (np.abs(ya - yb) == 1) & (ma == mb)
    months_differ = (ma > 0) & (mb > 0) & (ma != mb)
    partial_rule = np.where(~same_year, np.where(year_off, 5, 6), np.where(months_differ, 6, 2))
    level[part] = partial_rule[part]
    exact = np.where((ma == 1) & (da == 1), D_PLACEHOLDER, D_EXACT)
    same = va == vb
    level[same] = np.where(da > 0, exact, 2)[same]
    level[(ya == 0) | (yb == 0)] = 7
    return level


def _per_combo(
    sel: np.ndarray,
    cols: Sequence[np.ndarray],
    fn: Callable[[Prepared, Prepared], object],
    i: np.ndarray,
    j: np.ndarray,
    e,
) -> np.ndarray:
    """``fn(names_of(i[k]), names_of(j[k]))`` for the pairs ``sel``, called once per
    distinct row of ``cols`` (arrays over all pairs, ``fn`` depending on nothing else)."""
    if not len(sel):
        return np.empty(0, dtype=np.int8)
    key = None
    for c in cols:
        c = c[sel].astype(np.int64) + 2  # codes are >= -2
        key = c if key is None else np.unique(key * (int(c.max()) + 1) + c, return_inverse=True)[1]
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    a, b = i[sel[first]].tolist(), j[sel[first]].tolist()
    values = [fn(names_of(e, x), names_of(e, y)) for x, y in zip(a, b, strict=True)]
    return np.asarray(values, dtype=np.int8)[inverse.ravel()]


def _surname_level(a: Prepared, b: Prepared) -> int:
    return _surname(a, b)[0]


def _first_level(a: Prepared, b: Prepared) -> int:
    return _first(a, b)[0]


def _coded(e, name: str, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """exact (0) / the comparator of two values (``batch_strings.COMPARE``, once per
    distinct pair of values) / missing (3) of a field coded by value (``-1``: missing)."""
    codes = getattr(e, name)
    a, b = codes[i], codes[j]
    out = np.where((a < 0) | (b < 0), 3, 0).astype(np.int8)
    sel = np.flatnonzero((a >= 0) & (b >= 0) & (a != b))
    out[sel] = _per_value_pair(e, name, a[sel], b[sel])
    return out


def _per_value_pair(e, name: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``COMPARE[name]`` of the values of codes ``a`` and ``b``, once per distinct pair."""
    if not len(a):
        return np.empty(0, dtype=np.int8)
    width = int(max(a.max(), b.max())) + 1
    pair, inverse = np.unique(a.astype(np.int64) * width + b, return_inverse=True)
    x, y = values(e, name, pair // width), values(e, name, pair % width)
    return np.asarray(COMPARE[name](x, y), dtype=np.int8)[inverse.ravel()]


def levels(e, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``compare_levels(records[i[k]], records[j[k]])[0]`` of every pair, as rows of an
    ``int8`` array (``e``: ``batch.encode``'s codes with ``level_codes``')."""
    n = len(i)
    out = np.empty((n, N_FIELDS), dtype=np.int8)
    ska, skb, fa, fb = e.sk[i], e.sk[j], e.first[i], e.first[j]
    # surname
    s = np.full(n, N_MISS, dtype=np.int8)
    known = (ska >= 0) & (skb >= 0)
    s[known & (ska == skb)] = N_EXACT
    differ = known & (ska != skb)
    simple = differ & e.s_simple[i] & e.s_simple[j]
    sel = np.flatnonzero(simple)
    s[sel] = _few_surnames(e, i[sel], j[sel])
    sel = np.flatnonzero(differ & ~simple)
    s[sel] = _per_combo(sel, (ska, skb), _surname_level, i, j, e)
    # first names (the same sex stated on both sides matters for names of two sexes)
    f = np.full(n, F_MISS, dtype=np.int8)
    known = (fa >= 0) & (fb >= 0)
    f[known & (fa == fb)] = F_EXACT
    differ = known & (fa != fb)
    sxa, sxb = e.sx[i], e.sx[j]
    same_sex = (sxa >= 0) & (sxa == sxb)
    simple = differ & e.f_simple[i] & e.f_simple[j]
    sel = np.flatnonzero(simple)
    f[sel] = _first_names(e, i[sel], j[sel], same_sex[sel])
    sel = np.flatnonzero(differ & ~simple)
    f[sel] = _per_combo(sel, (e.fk[i], e.fk[j], same_sex), _first_level, i, j, e)
    # names exchanged, or crossed
    swap = np.zeros(n, dtype=bool)
    sel = np.flatnonzero((s >= N_PHON) & (s != N_MISS) & (f >= F_PHON) & (f < F_MISS))
    if len(sel):
        sa, sb = e.s_first[i[sel]], e.s_first[j[sel]]
        first_a, first_b = _strings(e.fv, fa[sel]), _strings(e.fv, fb[sel])
        both = _close(_strings(e.sv, sa), first_b) & _close(_strings(e.sv, sb), first_a)
        swap[sel] = both
    cross = np.zeros(n, dtype=bool)
    may = ~swap & (s >= N_FUZZY) & (f >= F_FUZZY) & (f <= F_DIFF_SEX) & (ska >= 0) & (skb >= 0)
    one = may & (e.surname[i] >= 0) & (e.surname[j] >= 0)  # one surname each (not _MULTI)
    sel = np.flatnonzero(one)
    if len(sel):
        sa, sb = _strings(e.sv, e.s_first[i[sel]]), _strings(e.sv, e.s_first[j[sel]])
        first_a, first_b = _strings(e.fv, fa[sel]), _strings(e.fv, fb[sel])
        cross[sel] = _near(sa, first_b) | _near(sb, first_a)
    sel = np.flatnonzero(may & ~one)
    cross[sel] = _per_combo(sel, (ska, e.fk[i], skb, e.fk[j]), _crossed, i, j, e).astype(bool)
    s[swap] = N_SWAPPED
    f[swap] = F_SWAPPED
    f[cross] = F_CROSSED
    out[:, _S], out[:, _F] = s, f
    # sex: a missing sex is read from the first name unless the names are of two sexes
    fill = ((sxa < 0) | (sxb < 0)) & (f != F_DIFF_SEX) & (f != F_CROSSED)
    xa = np.where(fill & (sxa < 0), e.fsx[i], sxa)
    xb = np.where(fill & (sxb < 0), e.fsx[j], sxb)
    out[:, _SEX] = np.where((xa < 0) | (xb < 0), 2, np.where(xa == xb, 0, 1))
    out[:, _D] = date_levels(e, i, j)
    out[:, _PLACE] = _coded(e, "birth_place", i, j)
    out[:, _ADDRESS] = _coded(e, "address", i, j)
    out[:, _PHONE] = _coded(e, "phone", i, j)
    out[:, _EMAIL] = _coded(e, "email", i, j)
    out[:, _NIR] = _coded(e, "nir", i, j)
    out[:, _CITY] = _city_levels(e, i, j)
    return out


def _city_levels(e, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``compare._city`` (and ``compare_levels``' same-place fast path): only two different
    communes need a Jaro-Winkler similarity."""
    pa, pb, ca, cb = e.postcode[i], e.postcode[j], e.commune[i], e.commune[j]
    pc, ci = (pa >= 0) & (pb >= 0), (ca >= 0) & (cb >= 0)
    same_pc = pc & (pa == pb)
    same_ci = ci & (ca == cb)
    sel = np.flatnonzero(ci & (ca != cb))
    same_ci[sel] = _per_value_pair(e, "commune", ca[sel], cb[sel]).astype(bool)
    out = np.where(same_ci, 2, 3)
    out = np.where(same_pc, np.where(same_ci | ~ci, 0, 1), out)
    out = np.where(~pc & ~ci, 4, out)
    return np.where(same_pc & (ca == cb), 0, out)


def pattern_counts(lv: np.ndarray) -> Counter:
    """Counts of the distinct level patterns (rows of ``levels``), as tuples of ints."""
    if not len(lv):
        return Counter()
    rows, counts = np.unique(lv, axis=0, return_counts=True)
    return Counter({tuple(r): c for r, c in zip(rows.tolist(), counts.tolist(), strict=True)})
