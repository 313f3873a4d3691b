"""The codes ``batch_levels.levels`` reads beyond ``batch.encode``'s, and the tables of the
names they stand for (so that the name comparators run on ``Names``, never on a record)."""

from __future__ import annotations

import marshal
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .record import Prepared

__all__ = [
    "Names",
    "PackedTable",
    "level_codes",
    "name_tables",
    "names_of",
    "pack_table",
    "second_surnames",
]


def level_codes(records: Sequence[Prepared]) -> dict[str, np.ndarray]:
    """The codes ``levels`` reads beyond ``batch.encode``'s: one per distinct surname set
    (``sk``: the surnames, their phonetic keys and words), first-name field (``fk``: the
    first name and everything derived from it) and sex (``sx``, and ``fsx`` for the sex the
    first name implies, in the same code space); ``-1``: none."""
    sk: dict = {(): -1}
    fk: dict = {("",): -1}
    sx: dict[str, int] = {"": -1}
    ph: dict[str, int] = {"": -1}
    n = len(records)
    cols = [[-1] * n for _ in range(7)]
    c_sk, c_fk, c_sx, c_fsx, c_ph, c_ph2, c_simple = cols
    for r, p in enumerate(records):
        names = p.surnames
        key = (names, p.surname_phon, p.surname_tokens) if names else ()
        c_sk[r] = sk.setdefault(key, len(sk) - 1)
        if names:
            phons = p.surname_phon
            c_ph[r] = ph.setdefault(phons[0], len(ph) - 1)
            if len(names) > 1:
                c_ph2[r] = ph.setdefault(phons[1], len(ph) - 1)
            tokens = key[2]
            c_simple[r] = len(names) <= 2 and len(tokens) == len(names) and tokens.issuperset(names)
        if p.first:
            key = (p.first, p.first_tokens, p.first_set, p.first_phon, p.first_sex, p.first_usual)
        else:
            key = ("",)
        c_fk[r] = fk.setdefault(key, len(fk) - 1)
        c_sx[r] = sx.setdefault(p.sex, len(sx) - 1)
        c_fsx[r] = sx.setdefault(p.first_sex, len(sx) - 1)
    out: dict = {k: np.asarray(c, dtype=np.int32) for k, c in zip(_CODES, cols[:-1], strict=True)}
    out["s_simple"] = np.asarray(c_simple, dtype=np.int8) > 0
    # per first-name field: one given name, no usual form (then ``_first_names`` decides)
    phon: dict[str, int] = {"": -1}
    simple = [len(t) == 1 and t[0] == f and not u for f, t, _, _, _, u in list(fk)[1:]]
    f_ph = [phon.setdefault(k[3], len(phon) - 1) for k in list(fk)[1:]]
    out["f_simple"] = np.asarray([*simple, False], dtype=bool)[out["fk"]]
    out["f_ph"] = np.asarray([*f_ph, -1], dtype=np.int32)[out["fk"]]
    # by code, the value of code -1 last (a list's [-1])
    surnames = [*list(sk)[1:], ((), (), frozenset())]
    firsts = [*list(fk)[1:], ("", (), frozenset(), "", "", frozenset())]
    out["tables"] = (surnames, firsts, [*list(sx)[1:], ""])
    return out


class Names(NamedTuple):
    """What the name comparators of ``compare.py`` read of a record."""

    surnames: tuple[str, ...]
    surname_phon: tuple[str, ...]
    surname_tokens: frozenset[str]
    first: str
    first_tokens: tuple[str, ...]
    first_set: frozenset[str]
    first_phon: str
    first_sex: str
    first_usual: frozenset[str]
    sex: str


def names_of(e, k: int) -> Names:
    """The ``Names`` of record ``k`` (from ``e.tables``)."""
    surnames, firsts, sexes = e.tables
    return Names(*surnames[e.sk[k]], *firsts[e.fk[k]], sexes[e.sx[k]])


#: ``level_codes``' arrays: the surname set, the first-name field, the sex and the one the
#: first name implies, the phonetic keys of the first two surnames; ``s_simple``: at most two
#: surnames, each of one word (their words are the surnames themselves).
_CODES = ("sk", "fk", "sx", "fsx", "s_ph", "s_ph2")


def second_surnames(parts) -> np.ndarray:
    """Each record's second surname (``batch_keys.Parts.s_full`` code), ``-1`` without one."""
    count = np.bincount(parts.s_row, minlength=parts.n)
    start = np.cumsum(count) - count  # a record's surnames are consecutive rows
    out = np.full(parts.n, -1, dtype=np.int32)
    two = np.flatnonzero(count >= 2)
    out[two] = parts.s_full[start[two] + 1]
    return out


def name_tables(surnames: Sequence[str], firsts: Sequence[str]) -> dict[str, np.ndarray]:
    """The surnames and first names by code (``batch_keys.Parts.surname_values`` and
    ``first_values``) as fixed-width string arrays, which ``levels`` compares in
    ``rapidfuzz.process.cpdist`` (and which workers map like the codes)."""
    return {
        "sv": np.array(list(surnames) or [""], dtype=str),
        "fv": np.array(list(firsts) or [""], dtype=str),
    }


def pack_table(entries: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """A table of ``level_codes`` (tuples of strings and frozensets) as one buffer of the
    marshalled entries and their offsets: arrays a worker maps (``PackedTable``)."""
    dumps = [marshal.dumps(entry) for entry in entries]
    at = np.zeros(len(dumps) + 1, dtype=np.int64)
    np.cumsum([len(d) for d in dumps], out=at[1:])
    return np.frombuffer(b"".join(dumps) or b"\0", dtype=np.uint8), at


#: Entries a ``PackedTable`` keeps read (then it starts again: a task meets few of them).
_KEPT = 1 << 16


class PackedTable:
    """The entries of ``pack_table``'s arrays, read one by one as they are asked for
    (``table[code]``, ``-1`` the last): what a worker holds instead of the table's Python
    objects (160 MiB a worker at 1M records of 231,000 surnames, measured at 100k)."""

    def __init__(self, blob: np.ndarray, at: np.ndarray) -> None:
        self._blob, self._at = memoryview(blob), at.tolist()
        self._seen: dict[int, object] = {}

    def __len__(self) -> int:
        return len(self._at) - 1

    def __getitem__(self, code: int):
        k = int(code)
        k = k + len(self) if k < 0 else k
        entry = self._seen.get(k)
        if entry is None:
            if len(self._seen) >= _KEPT:
                self._seen.clear()
            entry = marshal.loads(self._blob[self._at[k] : self._at[k + 1]])  # noqa: S302
            self._seen[k] = entry
        return entry
