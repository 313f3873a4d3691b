"""Record model: a raw record (any mapping) -> an immutable ``Prepared`` record."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple

from .firstnames import implied_sex, usual_forms
from .normalize import (
    commune_key,
    first_name_tokens,
    name_tokens,
    normalize_address,
    normalize_email,
    normalize_nir,
    normalize_phone,
    normalize_place,
    normalize_postcode,
    normalize_sex,
    parse_birth_date,
    split_name_markers,
)
from .phonetic import phonetic

__all__ = ["FIELDS", "Prepared", "prepare"]

FIELDS = (
    "id",
    "first_names",
    "birth_name",
    "usage_name",
    "sex",
    "birth_date",
    "birth_place",
    "postcode",
    "city",
    "address",
    "phone",
    "email",
    "nir",
)


class Prepared(NamedTuple):
    """A record normalised once (immutable), with the keys comparisons and blocking need.

    ``surnames`` holds every surname the person is known by (birth name first, then usage
    names, including those found behind ``épouse``/``née`` markers), each glued without
    particles; ``surname_tokens`` their words. ``first`` is the glued first-name field
    (JEAN-PIERRE, JEAN PIERRE, JEANPIERRE -> JEANPIERRE), ``first_tokens`` its words.
    ``date`` is ``YYYYMMDD`` with ``00`` for unknown parts, ``""`` when no year is known.
    ``first_sex`` is the sex the first name implies (``firstnames.implied_sex``, ``""`` when
    it implies none), ``first_usual`` every name the first name may stand for through a usual
    form or another spelling (empty when it has none).
    """

    id: str
    surnames: tuple[str, ...]
    surname_phon: tuple[str, ...]
    surname_tokens: frozenset[str]
    first: str
    first_tokens: tuple[str, ...]
    first_set: frozenset[str]
    first_phon: str
    sex: str
    year: int
    month: int
    day: int
    date: str
    birth_place: str
    postcode: str
    commune: str
    address: str
    phone: str
    email: str
    nir: str
    first_sex: str = ""
    first_usual: frozenset[str] = frozenset()


@lru_cache(maxsize=1 << 16)
def _surnames(birth: str, usage: str) -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]:
    """(glued names with the birth name(s) first, their phonetic keys, their words)."""
    b_birth, b_usage = split_name_markers(birth)
    u_birth, u_usage = split_name_markers(usage)
    # Roles only set the order (birth names first); every name is compared with every other.
    names: list[str] = []
    tokens: list[str] = []
    for raw in (b_birth, u_birth, b_usage, u_usage):
        toks = name_tokens(raw)
        key = "".join(toks)
        if key and key not in names:
            names.append(key)
            tokens.extend(toks)
    return tuple(names), tuple(phonetic(n) for n in names), frozenset(tokens)


@lru_cache(maxsize=1 << 16)
def _first(
    text: str,
) -> tuple[str, tuple[str, ...], frozenset[str], str, str, frozenset[str]]:
    tokens = first_name_tokens(text)
    glued = "".join(tokens)
    sex = implied_sex(glued, tokens[0]) if tokens else ""
    return glued, tokens, frozenset(tokens), phonetic(glued), sex, usual_forms(tokens, glued)


@lru_cache(maxsize=1 << 16)
def _date(text: str) -> tuple[int, int, int, str]:
    y, m, d = parse_birth_date(text)
    return y, m, d, f"{y:04d}{m:02d}{d:02d}" if y else ""


_place = lru_cache(maxsize=1 << 14)(normalize_place)


def _s(value: object) -> str:
    return "" if value is None else str(value)


def prepare(record: Mapping) -> Prepared:
    """Normalise a raw record once. ``id`` is required; every other field is optional.

    Raises ``KeyError`` without ``id`` and ``ValueError`` for a malformed ``birth_date``.
    ``nir`` is compared exactly: a raw NIR is normalised (separators dropped), an opaque token
    (the hub's HMAC) passes through unchanged apart from case.
    """
    get = record.get
    names, phons, tokens = _surnames(_s(get("birth_name")), _s(get("usage_name")))
    first, first_tokens, first_set, first_phon, first_sex, first_usual = _first(
        _s(get("first_names"))
    )
    y, m, d, date = _date(_s(get("birth_date")).strip())
    postcode = normalize_postcode(get("postcode"))
    return Prepared(
        id=str(record["id"]),
        surnames=names,
        surname_phon=phons,
        surname_tokens=tokens,
        first=first,
        first_tokens=first_tokens,
        first_set=first_set,
        first_phon=first_phon,
        sex=normalize_sex(get("sex")),
        year=y,
        month=m,
        day=d,
        date=date,
        birth_place=_place(_s(get("birth_place"))),
        postcode=postcode,
        commune=commune_key(postcode, _s(get("city"))),
        address=normalize_address(get("address")),
        phone=normalize_phone(get("phone")),
        email=normalize_email(get("email")),
        nir=normalize_nir(get("nir")),
        first_sex=first_sex,
        first_usual=first_usual,
    )
