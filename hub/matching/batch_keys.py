"""The batch's blocking keys as integer arrays: one pass over the records, numpy after.

``blocking.KEY_FAMILIES`` builds each key as a string, record by record and family by family
(eleven passes of Python generators over the whole file, counting the two training keys). Here
one pass reads the few parts keys are made of (a phonetic prefix, an initial, a full date, a
postcode...) as integer codes, and each family's keys are numpy combinations of those codes.
The keys are the same: two records share a key here exactly when they share the string key of
the same family (``tests/matching/test_matching_batch_keys.py`` checks it against
``blocking.candidate_codes``), so the candidate pairs are the same.

A family's blocks are kept as ``Blocks``: for each usable block (2 to ``cap`` records) its
records, sorted by block then record (``row``, ``blk``), and each record's blocks padded with
``-1`` to a small matrix stored by column (``mine[k]``: every record's ``k``-th block, so that
a chunk of pairs reads one column at a time): compact ``int32`` arrays, shared by the workers
without a copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .batch_strings import FIELDS, string_codes
from .blocking import MAX_BLOCK_SIZE, pad_blocks
from .record import Prepared

__all__ = [
    "Blocks",
    "Parts",
    "family_block",
    "family_blocks",
    "pairs_at",
    "parts_of",
    "ranges",
    "sampled_date_codes",
    "training_codes",
]

_P = 4  # phonetic prefix length used in keys (``blocking._P``)
#: Family order of ``blocking.KEY_FAMILIES`` (a pair is emitted by the first that has it).
FAMILIES = ("pn", "fd", "ff", "dp", "place", "fb", "sd", "ids", "ff2", "pn2", "sp2", "fp2")
#: Cap divisors of the families whose keys leave out the full birth date
#: (``blocking.WIDE_FAMILIES``): the date-less ones, then the refined ones.
_DIVISOR = {"pn": 8, "ff": 8, "place": 8, "ff2": 3, "pn2": 3, "sp2": 3, "fp2": 8}


def _cap(family: str, max_block_size: int) -> int:
    return max(2, max_block_size // _DIVISOR.get(family, 1))


class Parts(NamedTuple):
    """Integer codes of what keys are made of, one entry per record (``-1``: absent), and
    one per (record, surname) for the surname parts (``s_row`` is the record)."""

    n: int
    year: np.ndarray  # 0: unknown
    date: np.ndarray  # YYYYMMDD when month and day are known, else -1
    where: np.ndarray  # postcode, else commune
    f_init: np.ndarray  # first letter of the first name (code point)
    f_two: np.ndarray  # first two letters (``two`` codes, shared with surnames)
    f_ph: np.ndarray  # phonetic prefix (``ph`` codes, shared with surnames)
    f_full: np.ndarray  # the glued first name
    nir: np.ndarray
    phone: np.ndarray
    email: np.ndarray
    s_row: np.ndarray
    s_init: np.ndarray
    s_two: np.ndarray
    s_ph: np.ndarray
    s_full: np.ndarray
    # the other fields the batch compares by code (``batch.encode``)
    month: np.ndarray
    day: np.ndarray
    sex: np.ndarray
    birth_place: np.ndarray
    postcode: np.ndarray
    commune: np.ndarray
    address: np.ndarray
    surname: np.ndarray  # the first surname (``s_full`` code), -1 without one
    several: np.ndarray  # more than one surname
    surname_values: list[str]  # by ``s_full`` code
    first_values: list[str]  # by ``f_full`` code
    #: the values of the string fields ``batch_strings`` compares (``birth_place``,
    #: ``commune``, ``address``, ``nir``, ``phone``, ``email``: their codes above), as
    #: ``batch_strings.string_codes``' buffers
    texts: dict[str, np.ndarray]


def parts_of(records: Sequence[Prepared]) -> Parts:
    """One pass over the records: the codes every key family is built from (and then one
    pass per string field, ``batch_strings.string_codes``: one table of its distinct values
    held at a time, 1M addresses at 1M records)."""
    ph: dict[str, int] = {"": -1}
    two: dict[str, int] = {"": -1}
    where: dict[str, int] = {"": -1}
    first: dict[str, int] = {"": -1}
    surname: dict[str, int] = {}
    sexes: dict[str, int] = {"": -1}
    postcodes: dict[str, int] = {"": -1}
    n = len(records)
    cols = [[0] * n for _ in range(7)]
    year, date, wh, f_init, f_two, f_ph, f_full = cols
    extra = [[0] * n for _ in range(6)]
    month, day, sex, postcode, first_surname, several = extra
    s_row: list[int] = []
    s_init: list[int] = []
    s_two: list[int] = []
    s_ph: list[int] = []
    s_full: list[int] = []
    for r, p in enumerate(records):
        year[r] = p.year
        date[r] = int(p.date) if p.month and p.day else -1
        wh[r] = where.setdefault(p.postcode or p.commune, len(where) - 1)
        f = p.first
        f_init[r] = ord(f[0]) if f else -1
        f_two[r] = two.setdefault(f[:2], len(two) - 1)
        f_ph[r] = ph.setdefault(p.first_phon[:_P], len(ph) - 1)
        f_full[r] = first.setdefault(f, len(first) - 1)
        month[r], day[r] = p.month, p.day
        sex[r] = sexes.setdefault(p.sex, len(sexes) - 1)
        postcode[r] = postcodes.setdefault(p.postcode, len(postcodes) - 1)
        several[r] = len(p.surnames) > 1
        first_surname[r] = surname.setdefault(p.surnames[0], len(surname)) if p.surnames else -1
        for s, sp in zip(p.surnames, p.surname_phon, strict=True):
            s_row.append(r)
            s_init.append(ord(s[0]))
            s_two.append(two.setdefault(s[:2], len(two) - 1))
            s_ph.append(ph.setdefault(sp[:_P], len(ph) - 1))
            s_full.append(surname.setdefault(s, len(surname)))
    arr = [np.asarray(c, dtype=np.int32) for c in cols]  # codes and dates fit in 31 bits
    s_arr = [np.asarray(c, dtype=np.int32) for c in (s_row, s_init, s_two, s_ph, s_full)]
    e_arr = [np.asarray(c, dtype=np.int32) for c in extra[:-1]]
    several_arr = np.asarray(several, dtype=bool)
    del cols, extra, year, date, wh, f_init, f_two, f_ph, f_full
    del month, day, sex, postcode, first_surname, several, s_row, s_init, s_two, s_ph, s_full
    del ph, two, where, sexes, postcodes
    texts = string_codes(records)
    codes = {name: texts.pop(name) for name in FIELDS}
    return Parts(
        n,
        *arr,
        nir=codes["nir"],
        phone=codes["phone"],
        email=codes["email"],
        s_row=s_arr[0],
        s_init=s_arr[1],
        s_two=s_arr[2],
        s_ph=s_arr[3],
        s_full=s_arr[4],
        month=e_arr[0],
        day=e_arr[1],
        sex=e_arr[2],
        birth_place=codes["birth_place"],
        postcode=e_arr[3],
        commune=codes["commune"],
        address=codes["address"],
        surname=e_arr[4],
        several=several_arr,
        surname_values=list(surname),
        first_values=[v for v in first if v],
        texts=texts,
    )


def _dense(*cols: np.ndarray) -> np.ndarray:
    """One dense integer code per distinct tuple of the (non-negative) columns."""
    key = cols[0].astype(np.int64)
    for c in cols[1:]:
        c = c.astype(np.int64)
        key = np.unique(key * (int(c.max()) + 1) + c, return_inverse=True)[1].ravel()
    return key


def _over_cap(n: int, rows: np.ndarray, cols: list[np.ndarray], cap: int) -> np.ndarray:
    """Which (record, key) rows are in a block of more than ``cap`` records (``cols``: the
    key's non-negative codes)."""
    if not len(rows):
        return np.zeros(0, dtype=bool)
    code = _dense(*cols)
    size = np.bincount(np.unique(code * n + rows) // n)
    return size[code] > cap


def _refined(p: Parts, family: str, wide: int) -> list[tuple[np.ndarray, list[np.ndarray]]]:
    """The (rows, key columns) of a refined family (``blocking._ff_refined``…), kept only
    where the coarse key's block is larger than ``wide``: a usable coarse block has all the
    pairs of the refined blocks inside it already (the same candidates, fewer repeats)."""
    if family == "ff2":
        fp = p.f_ph[p.s_row]
        ok = (fp >= 0) & (p.s_ph >= 0)
        lo, hi, rows = np.minimum(fp, p.s_ph)[ok], np.maximum(fp, p.s_ph)[ok], p.s_row[ok]
        over = _over_cap(p.n, rows, [lo, hi], wide)
        out = []
        # ``ffy``, ``ffm``, ``ffs`` (a year or month of 0 is unknown, a sex code of -1)
        for extra, known in ((p.year, p.year > 0), (p.month, p.month > 0), (p.sex, p.sex >= 0)):
            keep = over & known[rows]
            out.append((rows[keep], [lo[keep], hi[keep], extra[rows][keep]]))
        return out
    if family == "pn2":
        ok = (p.s_ph >= 0) & (p.year[p.s_row] > 0)
        rows, ph, year = p.s_row[ok], p.s_ph[ok], p.year[p.s_row][ok]
        keep = _over_cap(p.n, rows, [ph, year], wide) & (p.f_init[rows] >= 0)
        return [(rows[keep], [ph[keep], year[keep], p.f_init[rows][keep]])]
    if family == "sp2":
        sw = p.where[p.s_row]
        ok = (sw >= 0) & (p.s_ph >= 0)
        rows, ph, where = p.s_row[ok], p.s_ph[ok], sw[ok]
        keep = _over_cap(p.n, rows, [ph, where], wide) & (p.f_init[rows] >= 0)
        return [(rows[keep], [ph[keep], where[keep], p.f_init[rows][keep]])]
    # fp2: ``fp`` (first-name phonetic, postcode) and each surname's initial
    ok = (p.where >= 0) & (p.f_ph >= 0)
    rows = np.flatnonzero(ok)
    over = np.zeros(p.n, dtype=bool)
    over[rows[_over_cap(p.n, rows, [p.f_ph[ok], p.where[ok]], wide)]] = True
    keep = over[p.s_row]
    rows = p.s_row[keep]
    return [(rows, [p.f_ph[rows], p.where[rows], p.s_init[keep]])]


def _keys(
    parts: Parts, family: str, max_block_size: int = MAX_BLOCK_SIZE
) -> tuple[np.ndarray, np.ndarray]:
    """(record, key) rows of one family, possibly repeated; keys are dense codes."""
    p = parts
    full = p.date >= 0
    s_date = p.date[p.s_row]
    tagged: list[tuple[np.ndarray, list[np.ndarray]]] = []  # (rows, key columns), tag added
    untagged: list[tuple[np.ndarray, list[np.ndarray]]] = []  # (rows, columns), last tag
    if family == "pn":
        ok = (p.s_ph >= 0) & (p.year[p.s_row] > 0)
        tagged.append((p.s_row[ok], [p.s_ph[ok], p.year[p.s_row][ok]]))
    elif family == "fd":
        fi = p.f_init[p.s_row]
        ok = (s_date >= 0) & (fi >= 0)
        lo, hi = np.minimum(fi, p.s_init), np.maximum(fi, p.s_init)
        tagged.append((p.s_row[ok], [lo[ok], hi[ok], s_date[ok]]))
    elif family == "ff":
        fp = p.f_ph[p.s_row]
        ok = (fp >= 0) & (p.s_ph >= 0)
        lo, hi = np.minimum(fp, p.s_ph), np.maximum(fp, p.s_ph)
        tagged.append((p.s_row[ok], [lo[ok], hi[ok]]))
    elif family == "dp":
        ok = full & (p.where >= 0)
        tagged.append((np.flatnonzero(ok), [p.date[ok], p.where[ok]]))
    elif family == "place":
        sw = p.where[p.s_row]
        ok = (sw >= 0) & (p.s_ph >= 0)
        tagged.append((p.s_row[ok], [p.s_ph[ok], sw[ok]]))
        ok = (p.where >= 0) & (p.f_ph >= 0)
        tagged.append((np.flatnonzero(ok), [p.f_ph[ok], p.where[ok]]))
    elif family == "fb":
        ok = full & (p.f_ph >= 0)
        tagged.append((np.flatnonzero(ok), [p.f_ph[ok], p.date[ok]]))
    elif family == "sd":
        ok = s_date >= 0
        tagged.append((p.s_row[ok], [p.s_two[ok], s_date[ok]]))
        ok = full & (p.f_two >= 0)  # the same keys as the surnames' (no tag of its own)
        untagged.append((np.flatnonzero(ok), [p.f_two[ok], p.date[ok]]))
    elif family == "ids":
        for codes in (p.nir, p.phone, p.email):
            ok = codes >= 0
            tagged.append((np.flatnonzero(ok), [codes[ok]]))
    elif family in ("ff2", "pn2", "sp2", "fp2"):
        tagged += _refined(p, family, _cap("ff", max_block_size))
    elif family == "names":  # training only (``blocking.names_key``)
        ok = p.f_full[p.s_row] >= 0
        tagged.append((p.s_row[ok], [p.f_full[p.s_row][ok], p.s_full[ok]]))
    elif family == "date":  # training only (``blocking.birth_date_key``)
        tagged.append((np.flatnonzero(full), [p.date[full]]))
    else:
        raise ValueError(f"unknown key family {family!r}")
    tag = np.concatenate(
        [np.full(len(r), t, dtype=np.int64) for t, (r, _) in enumerate(tagged)]
        + [np.full(len(r), len(tagged) - 1, dtype=np.int64) for r, _ in untagged]
    )
    tagged += untagged
    rows = [r for r, _ in tagged]
    width = max(len(c) for _, c in tagged)
    stacked = [
        np.concatenate([c[k] if k < len(c) else np.zeros(len(r), np.int64) for r, c in tagged])
        for k in range(width)
    ]
    row = np.concatenate(rows).astype(np.int64)
    if not len(row):
        return row, row
    return row, _dense(tag, *stacked)


def _usable(n: int, row: np.ndarray, key: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (record, block) rows of the blocks of 2 to ``cap`` records, sorted by block
    then record."""
    if not len(row):
        return row.astype(np.int32), row.astype(np.int32)
    code = np.unique(key.astype(np.int64) * n + row)
    blk, row = code // n, code % n
    size = np.bincount(blk)
    keep = (size[blk] >= 2) & (size[blk] <= cap)
    return row[keep].astype(np.int32), blk[keep].astype(np.int32)


class Blocks(NamedTuple):
    """One family's usable blocks (see the module docstring); ``partners[t]`` is how many
    records after position ``t`` are in its block."""

    row: np.ndarray
    blk: np.ndarray
    mine: np.ndarray
    partners: np.ndarray


def family_block(parts: Parts, family: str, max_block_size: int = MAX_BLOCK_SIZE) -> Blocks:
    """The usable blocks of one family (a name of ``FAMILIES``)."""
    cap = _cap(family, max_block_size)
    row, blk = _usable(parts.n, *_keys(parts, family, max_block_size), cap)
    partners = np.searchsorted(blk, blk, side="right") - np.arange(len(blk)) - 1
    mine = np.ascontiguousarray(pad_blocks(parts.n, row, blk).T)
    return Blocks(row, blk, mine, partners.astype(np.int32))


def family_blocks(parts: Parts, max_block_size: int = MAX_BLOCK_SIZE) -> list[Blocks]:
    """The usable blocks of every family of ``blocking.KEY_FAMILIES``, in that order."""
    return [family_block(parts, family, max_block_size) for family in FAMILIES]


def pairs_at(row: np.ndarray, partners: np.ndarray, lo: int, hi: int):
    """Index pairs ``(i, j)`` of positions ``lo`` to ``hi`` of a family's blocks with the
    later records of their block, and the position each pair comes from."""
    pos = np.arange(lo, hi)
    part = partners[lo:hi]
    total = int(part.sum())
    left = np.repeat(pos, part)
    offsets = np.arange(total) - np.repeat(np.cumsum(part) - part, part)
    return row[left].astype(np.int64), row[left + 1 + offsets].astype(np.int64), left


def ranges(partners: np.ndarray, chunk: int) -> list[tuple[int, int]]:
    """Position ranges ``[lo, hi)`` of about ``chunk`` pairs each (a block's first position
    with many partners may make one larger)."""
    if not len(partners):
        return []
    cum = np.cumsum(partners)
    cuts = np.searchsorted(cum, np.arange(chunk, int(cum[-1]) + chunk, chunk), side="left")
    out, lo = [], 0
    for hi in np.unique(np.minimum(cuts + 1, len(partners))).tolist():
        if int(cum[hi - 1]) - (int(cum[lo - 1]) if lo else 0):
            out.append((lo, hi))
        lo = hi
    return out


def training_codes(
    parts: Parts, family: str, max_block_size: int = MAX_BLOCK_SIZE, chunk: int = 1 << 20
) -> np.ndarray:
    """Sorted distinct pair codes ``i * n + j`` of the records sharing a usable ``names`` or
    ``date`` key: ``blocking.candidate_codes(records, cap, (names_key,))`` (or
    ``birth_date_key``), built from the codes, chunk by chunk."""
    n = parts.n
    row, blk = _usable(n, *_keys(parts, family), max(2, max_block_size))
    partners = np.searchsorted(blk, blk, side="right") - np.arange(len(blk)) - 1
    out = np.empty(int(partners.sum()), dtype=np.int64)
    at = 0
    for lo, hi in ranges(partners, chunk):
        i, j, _ = pairs_at(row, partners, lo, hi)
        out[at : at + len(i)] = i * n + j
        at += len(i)
    return np.unique(out)


def sampled_date_codes(
    parts: Parts, every: int, max_block_size: int = MAX_BLOCK_SIZE
) -> tuple[np.ndarray, int]:
    """``(codes[::step], len(codes))`` of ``codes = training_codes(parts, "date")``, with
    ``step = ceil(len(codes) / every)``, without building ``codes`` (18M pairs at 1M
    records). A record has one full birth date, so one block: its pairs with the later
    records of that block are consecutive in the sorted codes, which gives each sampled
    rank its pair."""
    n = parts.n
    row, blk = _usable(n, *_keys(parts, "date"), max(2, max_block_size))
    partners = np.searchsorted(blk, blk, side="right") - np.arange(len(blk)) - 1
    order = np.argsort(row, kind="stable")  # positions by record: the codes' order
    count = partners[order]
    cum = np.cumsum(count)
    total = int(cum[-1]) if len(cum) else 0
    if not total:
        return np.empty(0, dtype=np.int64), 0
    ranks = np.arange(0, total, max(1, -(-total // every)))
    t = np.searchsorted(cum, ranks, side="right")
    pos = order[t]
    i = row[pos].astype(np.int64)
    j = row[pos + 1 + ranks - (cum[t] - count[t])].astype(np.int64)
    return i * n + j, total
