"""A serialisable form of ``Prepared``: what intake compares, prepared once at write time.

``dump(prepared)`` is a JSON-ready list (frozensets as sorted lists, no id); ``load(id, row)``
gives back the very ``Prepared`` that ``prepare`` would (the same values, field for field).
``VERSION`` names the normalisation the rows were made with: bump it whenever ``prepare``'s
output changes, and stored rows of another version are prepared again from their record.
"""

from __future__ import annotations

from .record import Prepared

__all__ = ["VERSION", "dump", "load"]

VERSION = 1

_SETS = {"surname_tokens", "first_set", "first_usual"}
_TUPLES = {"surnames", "surname_phon", "first_tokens"}
_FIELDS = [name for name in Prepared._fields if name != "id"]


def dump(prepared: Prepared) -> list:
    out = []
    for name in _FIELDS:
        value = getattr(prepared, name)
        if name in _SETS:
            value = sorted(value)
        elif name in _TUPLES:
            value = list(value)
        out.append(value)
    return out


def load(identifier, row: list) -> Prepared:
    if len(row) != len(_FIELDS):
        raise ValueError("stored features of another shape")
    values = {}
    for name, value in zip(_FIELDS, row, strict=True):
        if name in _SETS:
            value = frozenset(value)
        elif name in _TUPLES:
            value = tuple(value)
        values[name] = value
    return Prepared(id=str(identifier), **values)
