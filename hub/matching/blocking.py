"""Blocking: cheap keys that true duplicates very probably share.

Each record yields a few keys from several independent families, so that a duplicate missed
by one key (a typo in the surname, a wrong birth date, a married name) is still caught by
another. Keys are stable strings the hub can store in an indexed column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from .record import Prepared

__all__ = [
    "KEY_FAMILIES",
    "MAX_BLOCK_SIZE",
    "block_cap",
    "blocking_keys",
    "candidate_codes",
    "candidate_pairs",
]

#: Keys shared by more records than this are skipped (a placeholder phone, JEAN MARTIN...).
MAX_BLOCK_SIZE = 300
_P = 4  # phonetic prefix length used in keys


def _pn(p: Prepared) -> Iterator[str]:
    """Phonetic surname (each known surname) + birth year."""
    if p.year:
        for ph in p.surname_phon:
            if ph:
                yield f"pn:{ph[:_P]}:{p.year}"


def _fd(p: Prepared) -> Iterator[str]:
    """Initials of first name and surname (order-free, so swaps agree) + full birth date."""
    if p.month and p.day and p.first:
        for s in p.surnames:
            yield f"fd:{''.join(sorted((p.first[0], s[0])))}:{p.date}"


def _ff(p: Prepared) -> Iterator[str]:
    """Phonetic first name + phonetic surname, order-free; catches wrong or missing dates."""
    if p.first_phon:
        f = p.first_phon[:_P]
        for ph in p.surname_phon:
            if ph:
                yield "ff:" + ":".join(sorted((f, ph[:_P])))


def _dp(p: Prepared) -> Iterator[str]:
    """Full birth date + postcode (or commune); catches badly mangled names."""
    if p.month and p.day and (p.postcode or p.commune):
        yield f"dp:{p.date}:{p.postcode or p.commune}"


def _place(p: Prepared) -> Iterator[str]:
    """Phonetic surname, and phonetic first name, within one postcode (or commune): catches
    wrong or missing birth dates of people who did not move."""
    where = p.postcode or p.commune
    if where:
        for ph in p.surname_phon:
            if ph:
                yield f"sp:{ph[:_P]}:{where}"
        if p.first_phon:
            yield f"fp:{p.first_phon[:_P]}:{where}"


def _fb(p: Prepared) -> Iterator[str]:
    """Phonetic first name + full birth date: catches a changed (married) or mangled surname."""
    if p.month and p.day and p.first_phon:
        yield f"fb:{p.first_phon[:_P]}:{p.date}"


def _sd(p: Prepared) -> Iterator[str]:
    """First two letters of any name (surnames and first name, so swaps agree) + full birth
    date: catches phonetic-breaking typos and a missing first name."""
    if p.month and p.day:
        for name in {*p.surnames, p.first} - {""}:
            yield f"sd:{name[:2]}:{p.date}"


def _ids(p: Prepared) -> Iterator[str]:
    if p.nir:
        yield f"nir:{p.nir}"
    if p.phone:
        yield f"tel:{p.phone}"
    if p.email:
        yield f"em:{p.email}"


def birth_date_key(p: Prepared) -> Iterator[str]:
    """Full birth date alone: not a blocking key (too coarse), used to train name m."""
    if p.month and p.day:
        yield f"d:{p.date}"


def household_key(p: Prepared) -> Iterator[str]:
    """Surname + postcode + address line: not a blocking key, used to count the pairs of
    people living together (``household.estimate_household_share``)."""
    if p.address and (p.postcode or p.commune):
        for s in p.surnames:
            yield f"h:{s}:{p.postcode or p.commune}:{p.address}"


def names_key(p: Prepared) -> Iterator[str]:
    """Exact first name + surname: not a blocking key, used to train the other m."""
    if p.first:
        for s in p.surnames:
            yield f"n:{p.first}:{s}"


KEY_FAMILIES: tuple[Callable[[Prepared], Iterator[str]], ...] = (
    _pn,
    _fd,
    _ff,
    _dp,
    _place,
    _fb,
    _sd,
    _ids,
)


#: Families whose keys leave out the birth date (or keep only its year): their blocks are
#: large for common names, so their cap is ``max_block_size`` divided by this (37 by default).
#: (Capping the place family at 18 saves a quarter of the pairs at 100k records but costs
#: 0.2 % of blocking recall.)
WIDE_FAMILIES = {_pn: 8, _ff: 8, _place: 8}


#: Key prefixes of the wide families (``pn:``, ``ff:``, ``sp:`` and ``fp:``), for indexes.
_WIDE_PREFIXES = {"pn": 8, "ff": 8, "sp": 8, "fp": 8}


def block_cap(key: str, max_block_size: int = MAX_BLOCK_SIZE) -> int:
    """Largest block a stored key may have and still be used (the same caps as batch)."""
    return max(2, max_block_size // _WIDE_PREFIXES.get(key.split(":", 1)[0], 1))


def blocking_keys(prepared: Prepared) -> list[str]:
    """Sorted, de-duplicated blocking keys of one record, e.g. ``"pn:MRT3:1984"``.

    Two records are candidates when they share at least one key (and that key is not shared
    by more than ``max_block_size`` records).
    """
    return sorted({k for family in KEY_FAMILIES for k in family(prepared)})


def _block_pairs(
    records: Sequence[Prepared], family: Callable[[Prepared], Iterator[str]], cap: int
) -> np.ndarray:
    """Pair codes ``i * n + j`` (``i < j``) of the records sharing a key of one family, in
    blocks of 2 to ``cap`` records, possibly repeated (several shared keys). Vectorised: the
    keys are read once, the pairs are expanded from block offsets without a Python loop."""
    n = len(records)
    block_of: dict[str, int] = {}
    rows: list[int] = []
    blocks: list[int] = []
    for i, p in enumerate(records):
        for k in set(family(p)):
            rows.append(i)
            blocks.append(block_of.setdefault(k, len(block_of)))
    del block_of
    if not rows:
        return np.empty(0, dtype=np.int64)
    row = np.asarray(rows, dtype=np.int64)
    blk = np.asarray(blocks, dtype=np.int64)
    del rows, blocks
    size = np.bincount(blk)
    keep = (size[blk] >= 2) & (size[blk] <= cap)
    row, blk = row[keep], blk[keep]
    order = np.lexsort((row, blk))
    row, blk = row[order], blk[order]
    # position t of a block [start, end) pairs with t + 1 .. end - 1
    ends = np.searchsorted(blk, blk, side="right")
    partners = ends - np.arange(len(blk)) - 1
    total = int(partners.sum())
    left = np.repeat(np.arange(len(blk)), partners)
    offsets = np.arange(total) - np.repeat(np.cumsum(partners) - partners, partners)
    return row[left] * n + row[left + 1 + offsets]


def candidate_codes(
    records: Sequence[Prepared],
    max_block_size: int = MAX_BLOCK_SIZE,
    families: Sequence[Callable[[Prepared], Iterator[str]]] = KEY_FAMILIES,
) -> np.ndarray:
    """Sorted, distinct pair codes ``i * n + j`` (``i < j``) of records sharing a blocking
    key: 8 bytes a pair (a Python set of them took about 60), one family at a time."""
    codes = np.empty(0, dtype=np.int64)
    for family in families:
        cap = max(2, max_block_size // WIDE_FAMILIES.get(family, 1))
        codes = np.concatenate((codes, _block_pairs(records, family, cap)))
        codes.sort(kind="stable")  # radix sort for integers; np.unique hashes, far slower
        if len(codes) > 1:
            codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))]
    return codes


def candidate_pairs(
    records: Sequence[Prepared],
    max_block_size: int = MAX_BLOCK_SIZE,
    families: Sequence[Callable[[Prepared], Iterator[str]]] = KEY_FAMILIES,
) -> list[tuple[int, int]]:
    """Sorted index pairs ``(i, j)``, ``i < j``, of records sharing a blocking key.

    Blocks larger than ``max_block_size`` (less for ``WIDE_FAMILIES``, those without a full
    birth date) are skipped: they would add many pairs and few duplicates.
    """
    n = max(len(records), 1)
    codes = candidate_codes(records, max_block_size, families)
    return list(zip((codes // n).tolist(), (codes % n).tolist(), strict=True))
