"""Blocking: cheap keys that true duplicates very probably share.

Each record yields a few keys from several independent families, so that a duplicate missed
by one key (a typo in the surname, a wrong birth date, a married name) is still caught by
another. Keys are stable strings the hub can store in an indexed column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from .record import Prepared

__all__ = ["KEY_FAMILIES", "MAX_BLOCK_SIZE", "blocking_keys", "candidate_pairs"]

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


def blocking_keys(prepared: Prepared) -> list[str]:
    """Sorted, de-duplicated blocking keys of one record, e.g. ``"pn:MRT3:1984"``.

    Two records are candidates when they share at least one key (and that key is not shared
    by more than ``max_block_size`` records).
    """
    return sorted({k for family in KEY_FAMILIES for k in family(prepared)})


def candidate_pairs(
    records: Sequence[Prepared],
    max_block_size: int = MAX_BLOCK_SIZE,
    families: Sequence[Callable[[Prepared], Iterator[str]]] = KEY_FAMILIES,
) -> list[tuple[int, int]]:
    """Sorted index pairs ``(i, j)``, ``i < j``, of records sharing a blocking key.

    Families are processed one at a time to bound memory.
    """
    seen: set[int] = set()
    n = len(records)
    for family in families:
        blocks: dict[str, list[int]] = {}
        for i, p in enumerate(records):
            for k in set(family(p)):
                blocks.setdefault(k, []).append(i)
        for members in blocks.values():
            size = len(members)
            if size < 2 or size > max_block_size:
                continue
            for x in range(size - 1):
                base = members[x] * n
                seen.update(base + y for y in members[x + 1 :])
        del blocks
    return [divmod(code, n) for code in sorted(seen)]
