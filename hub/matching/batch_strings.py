"""The values of the batch's string fields by code, and their comparators over arrays.

``string_codes`` gives each distinct birth place, commune, address, phone, e-mail and NIR a
code (``-1``: none) and keeps the values as one UTF-8 buffer with their offsets (arrays, so
that workers map them like the other codes, rather than reading records). The comparators
of ``compare.py`` for two different values of these fields are then applied to lists of
values, in ``rapidfuzz.process.cpdist`` where they use a distance: the same levels.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

import numpy as np
from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.fuzz import token_set_ratio
from rapidfuzz.process import cpdist

from .compare import ADDRESS_FUZZY, PLACE_FUZZY
from .record import Prepared

__all__ = ["FIELDS", "COMPARE", "string_codes", "string_table", "values"]

#: The fields coded here (``Prepared`` attributes).
FIELDS = ("birth_place", "commune", "address", "phone", "email", "nir")


def string_codes(records: Sequence[Prepared]) -> dict[str, np.ndarray]:
    """``{field: codes, field + "_text": UTF-8 buffer, field + "_at": offsets}``, one field
    at a time (one table of distinct values held at once: 1M records have ~1M addresses).
    (``batch_keys.parts_of`` makes the same in its pass over the records.)"""
    out: dict[str, np.ndarray] = {}
    for name in FIELDS:
        table: dict[str, int] = {"": -1}
        put = table.setdefault
        out[name] = np.fromiter(
            (put(v, len(table) - 1) for v in map(attrgetter(name), records)),
            dtype=np.int32,
            count=len(records),
        )
        out.update(string_table(name, table))
        del table, put
    return out


def string_table(name: str, table: dict[str, int]) -> dict[str, np.ndarray]:
    """``{name + "_text": UTF-8 buffer, name + "_at": offsets}`` of the values of ``table``
    (value -> code, ``""`` first and coded ``-1``, the others ``0, 1, ...`` in order)."""
    encoded = [v.encode("utf-8") for v in table if v]
    at = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=at[1:])
    return {
        name + "_text": np.frombuffer(b"".join(encoded) or b"\0", dtype=np.uint8),
        name + "_at": at,
    }


def values(e, name: str, codes: np.ndarray) -> list[str]:
    """The values of ``codes`` (all ``>= 0``) of field ``name``."""
    text, at = memoryview(getattr(e, name + "_text")), getattr(e, name + "_at")
    starts, ends = at[codes].tolist(), at[codes + 1].tolist()
    return [str(text[a:b], "utf-8") for a, b in zip(starts, ends, strict=True)]


def _place(x: list[str], y: list[str]) -> np.ndarray:
    """``compare._place`` of two different birth places."""
    jw = cpdist(x, y, scorer=JaroWinkler.normalized_similarity, score_cutoff=PLACE_FUZZY) > 0
    digits = np.fromiter(
        (u.isdigit() or v.isdigit() for u, v in zip(x, y, strict=True)), dtype=bool, count=len(x)
    )
    return np.where(jw & ~digits, 1, 2)


def _address(x: list[str], y: list[str]) -> np.ndarray:
    """``compare._address`` of two different addresses."""
    return np.where(cpdist(x, y, scorer=token_set_ratio, score_cutoff=ADDRESS_FUZZY) > 0, 1, 2)


def _exactish(x: list[str], y: list[str]) -> np.ndarray:
    """``compare._exactish`` of two different identifiers."""
    lx = np.fromiter(map(len, x), dtype=np.int64, count=len(x))
    ly = np.fromiter(map(len, y), dtype=np.int64, count=len(y))
    typo = (lx == ly) & (lx >= 6) & (cpdist(x, y, scorer=OSA.distance, score_cutoff=1) <= 1)
    return np.where(typo, 1, 2)


def _email(x: list[str], y: list[str]) -> np.ndarray:
    """``compare._email`` of two different addresses: the same mailbox name is ``fuzzy``."""
    same = np.fromiter(
        (u.split("@", 1)[0] == v.split("@", 1)[0] for u, v in zip(x, y, strict=True)),
        dtype=bool,
        count=len(x),
    )
    return np.where(same, 1, 2)


def _same_city(x: list[str], y: list[str]) -> np.ndarray:
    """``compare._city``'s test of two different communes: Jaro-Winkler >= ``PLACE_FUZZY``."""
    return cpdist(x, y, scorer=JaroWinkler.normalized_similarity, score_cutoff=PLACE_FUZZY) > 0


#: The comparator of two different values of each field, over lists of values.
COMPARE = {
    "birth_place": _place,
    "commune": _same_city,
    "address": _address,
    "phone": _exactish,
    "email": _email,
    "nir": _exactish,
}
