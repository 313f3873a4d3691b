"""Blocking: cheap keys that true duplicates very probably share.

Each record yields a few keys from several independent families, so that a duplicate missed
by one key (a typo in the surname, a wrong birth date, a married name) is still caught by
another. Keys are stable strings the hub can store in an indexed column.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from .record import Prepared

__all__ = [
    "KEY_FAMILIES",
    "KEY_MAX_LENGTH",
    "MAX_BLOCK_SIZE",
    "REFINED_PREFIXES",
    "block_cap",
    "blocking_keys",
    "coarse_key",
    "coarse_keys",
    "fitted_key",
    "candidate_codes",
    "candidate_pairs",
    "stream_candidates",
]

#: The longest key the registry stores (``RecordKey.key``, ``BlockSize.key``). A longer one (an
#: e-mail address may have 254 characters, a commune 200) is kept as its family and a digest.
KEY_MAX_LENGTH = 96

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


def _ff_pair(p: Prepared) -> Iterator[str]:
    """The two phonetic prefixes of ``ff`` keys, order-free."""
    if p.first_phon:
        f = p.first_phon[:_P]
        for ph in p.surname_phon:
            if ph:
                yield ":".join(sorted((f, ph[:_P])))


def _ff(p: Prepared) -> Iterator[str]:
    """Phonetic first name + phonetic surname, order-free; catches wrong or missing dates."""
    for pair in _ff_pair(p):
        yield "ff:" + pair


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


# The refined families below split the blocks of the date-less families by one more attribute.
# Their keys are within the coarse key's block, so they add candidates only where that block is
# too large to be used (common names in a large registry: JEAN MARTIN among a million persons,
# MARTIN born in 1984): the pairs of a usable coarse block are candidates already.


def _ff_refined(p: Prepared) -> Iterator[str]:
    """``ff`` and the birth year, the birth month or the sex: one of them survives a typo in
    the birth date (a wrong day or month, a wrong year) where the date families do not."""
    for pair in _ff_pair(p):
        if p.year:
            yield f"ffy:{pair}:{p.year}"
        if p.month:
            yield f"ffm:{pair}:{p.month}"
        if p.sex:
            yield f"ffs:{pair}:{p.sex}"


def _pn_refined(p: Prepared) -> Iterator[str]:
    """``pn`` (surname phonetic and birth year) and the first name's initial."""
    if p.year and p.first:
        for ph in p.surname_phon:
            if ph:
                yield f"pni:{ph[:_P]}:{p.year}:{p.first[0]}"


def _sp_refined(p: Prepared) -> Iterator[str]:
    """``sp`` (surname phonetic in one postcode) and the first name's initial."""
    where = p.postcode or p.commune
    if where and p.first:
        for ph in p.surname_phon:
            if ph:
                yield f"spi:{ph[:_P]}:{where}:{p.first[0]}"


def _fp_refined(p: Prepared) -> Iterator[str]:
    """``fp`` (first-name phonetic in one postcode) and a surname's initial."""
    where = p.postcode or p.commune
    if where and p.first_phon:
        for initial in sorted({s[0] for s in p.surnames}):
            yield f"fps:{p.first_phon[:_P]}:{where}:{initial}"


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
    _ff_refined,
    _pn_refined,
    _sp_refined,
    _fp_refined,
)


#: Families whose keys leave out the birth date (or keep only its year): their blocks are
#: large for common names, so their cap is ``max_block_size`` divided by this (37 by default).
#: (Capping the place family at 18 saves a quarter of the pairs at 100k records but costs
#: 0.2 % of blocking recall.)
#: The refined families split those blocks by one attribute: cap 100 (``fps``, within one
#: postcode, 37). Chosen on the synthetic 1M set, where 14,008 true pairs (3.9 %) shared only
#: over-cap blocks (``bench/matching/README.md``, *Blocking at 1M*).
WIDE_FAMILIES = {
    _pn: 8,
    _ff: 8,
    _place: 8,
    _ff_refined: 3,
    _pn_refined: 3,
    _sp_refined: 3,
    _fp_refined: 8,
}


#: Key prefixes of the wide families (``pn:``, ``ff:``, ``sp:``, ``fp:`` and the refined
#: ones), for indexes.
_WIDE_PREFIXES = {
    "pn": 8,
    "ff": 8,
    "sp": 8,
    "fp": 8,
    "ffy": 3,
    "ffm": 3,
    "ffs": 3,
    "pni": 3,
    "spi": 3,
    "fps": 8,
}


#: Prefixes of the refined families' keys. A refined key's block lies inside the block of the
#: coarse key the same record holds (``ffy:A:B:1984`` inside ``ff:A:B``).
REFINED_PREFIXES = frozenset({"ffy", "ffm", "ffs", "pni", "spi", "fps"})


def coarse_keys(keys: Iterable[str]) -> list[str]:
    """``keys`` without the refined ones: two records that share a refined key share its coarse
    key too, so locking the coarse keys serialises every pair of writers that could find each
    other (with a third fewer locks)."""
    return [k for k in keys if k.split(":", 1)[0] not in REFINED_PREFIXES]


def coarse_key(key: str) -> str | None:
    """The coarse key whose block holds a refined key's block (``ffy:A:B:1984`` is inside
    ``ff:A:B``, ``fps:F:75011:M`` inside ``fp:F:75011``); None for a key that is not refined,
    or whose value was fitted (a digest: ``fitted_key``)."""
    family, _, value = key.partition(":")
    if family not in REFINED_PREFIXES or value.startswith("#"):
        return None
    return f"{family[:2]}:{value.rpartition(':')[0]}"


def block_cap(key: str, max_block_size: int = MAX_BLOCK_SIZE) -> int:
    """Largest block a stored key may have and still be used (the same caps as batch)."""
    return max(2, max_block_size // _WIDE_PREFIXES.get(key.split(":", 1)[0], 1))


def blocking_keys(prepared: Prepared) -> list[str]:
    """Sorted, de-duplicated blocking keys of one record, e.g. ``"pn:MRT3:1984"``.

    Two records are candidates when they share at least one key (and that key is not shared
    by more than ``max_block_size`` records).
    """
    return sorted({fitted_key(k) for family in KEY_FAMILIES for k in family(prepared)})


def fitted_key(key: str) -> str:
    """``key``, or ``family:#`` and its SHA-256 when it is longer than ``KEY_MAX_LENGTH``: the
    same value gives the same key, and the family (its cap, its lock) is kept."""
    if len(key) <= KEY_MAX_LENGTH:
        return key
    family = key.split(":", 1)[0]
    return f"{family}:#{hashlib.sha256(key.encode()).hexdigest()}"


def _usable_blocks(
    records: Sequence[Prepared], family: Callable[[Prepared], Iterator[str]], cap: int
) -> tuple[np.ndarray, np.ndarray]:
    """(record, block) rows of one family's usable blocks (2 to ``cap`` records), sorted by
    block then record; blocks are numbered in order of first appearance."""
    block_of: dict[str, int] = {}
    rows: list[int] = []
    blocks: list[int] = []
    for i, p in enumerate(records):
        for k in set(family(p)):
            rows.append(i)
            blocks.append(block_of.setdefault(k, len(block_of)))
    del block_of
    row = np.asarray(rows, dtype=np.int64)
    blk = np.asarray(blocks, dtype=np.int64)
    del rows, blocks
    if not len(row):
        return row, blk
    size = np.bincount(blk)
    keep = (size[blk] >= 2) & (size[blk] <= cap)
    row, blk = row[keep], blk[keep]
    order = np.lexsort((row, blk))
    return row[order], blk[order]


def pad_blocks(n: int, row: np.ndarray, blk: np.ndarray) -> np.ndarray:
    """Each record's usable blocks of one family, one row per record padded with -1."""
    counts = np.bincount(row, minlength=n)
    width = max(int(counts.max()) if len(counts) else 0, 1)
    out = np.full((n, width), -1, dtype=np.int32)
    order = np.argsort(row, kind="stable")
    r = row[order]
    starts = np.cumsum(counts) - counts
    out[r, np.arange(len(r)) - starts[r]] = blk[order]
    return out


_NONE = np.iinfo(np.int32).max


def _shared(blocks: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Smallest block id records ``i`` and ``j`` share in one family (-1: none)."""
    a, b = blocks[i], blocks[j]
    same = (a[:, :, None] == b[:, None, :]).any(axis=2) & (a >= 0)
    return np.where(same, a, _NONE).min(axis=1, initial=_NONE)


def stream_candidates(
    records: Sequence[Prepared],
    max_block_size: int = MAX_BLOCK_SIZE,
    families: Sequence[Callable[[Prepared], Iterator[str]]] = KEY_FAMILIES,
    chunk: int = 1 << 17,
) -> Iterator[np.ndarray]:
    """Pair codes ``i * n + j`` (``i < j``) of the records sharing a blocking key, each pair
    exactly once, in arrays of about ``chunk`` codes; no set of all pairs is ever held.

    Families are read in order; a pair is emitted by the first family in which the two records
    share a usable block, and there by the smallest such block: the check reads the records'
    block numbers of the earlier families (a few integers per record and family), not the
    pairs already emitted. Blocks larger than ``max_block_size`` (less for ``WIDE_FAMILIES``,
    those without a full birth date) are skipped: they would add many pairs and few duplicates.
    """
    n = len(records)
    earlier: list[np.ndarray] = []
    for family in families:
        cap = max(2, max_block_size // WIDE_FAMILIES.get(family, 1))
        row, blk = _usable_blocks(records, family, cap)
        if not len(row):
            continue
        mine = pad_blocks(n, row, blk)
        # position t of a block [start, end) pairs with t + 1 .. end - 1
        partners = np.searchsorted(blk, blk, side="right") - np.arange(len(blk)) - 1
        cum = np.cumsum(partners)
        cuts = np.searchsorted(cum, np.arange(chunk, int(cum[-1]) + chunk, chunk), side="left")
        lo = 0
        for hi in np.unique(np.minimum(cuts + 1, len(blk))):
            pos = np.arange(lo, hi)
            part = partners[lo:hi]
            lo = hi
            total = int(part.sum())
            if not total:
                continue
            left = np.repeat(pos, part)
            offsets = np.arange(total) - np.repeat(np.cumsum(part) - part, part)
            i, j = row[left], row[left + 1 + offsets]
            keep = _shared(mine, i, j) == blk[left]
            for blocks in earlier:
                keep &= _shared(blocks, i, j) == _NONE
            if keep.any():
                yield i[keep] * n + j[keep]
        earlier.append(mine)


def candidate_codes(
    records: Sequence[Prepared],
    max_block_size: int = MAX_BLOCK_SIZE,
    families: Sequence[Callable[[Prepared], Iterator[str]]] = KEY_FAMILIES,
) -> np.ndarray:
    """Sorted pair codes ``i * n + j`` (``i < j``) of records sharing a blocking key, each
    once (``stream_candidates`` gathered): 8 bytes a pair."""
    parts = list(stream_candidates(records, max_block_size, families))
    codes = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    codes.sort(kind="stable")
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
