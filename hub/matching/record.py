"""Record model: a raw record (any mapping) -> an immutable ``Prepared`` record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Prepared:
    """A record normalised once, with the keys comparisons and blocking need.

    ``surnames`` holds every surname the person is known by (birth name first, then usage
    names, including those found behind ``épouse``/``née`` markers), each glued without
    particles; ``surname_tokens`` their words. ``first`` is the glued first-name field
    (JEAN-PIERRE, JEAN PIERRE, JEANPIERRE -> JEANPIERRE), ``first_tokens`` its words.
    ``date`` is ``YYYYMMDD`` with ``00`` for unknown parts, ``""`` when no year is known.
    """

    id: str
    surnames: tuple[str, ...]
    surname_phon: tuple[str, ...]
    surname_tokens: frozenset[str]
    first: str
    first_tokens: tuple[str, ...]
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


def _surnames(birth: object, usage: object) -> tuple[list[str], list[str]]:
    """(names, roles) with the birth name(s) first."""
    b_birth, b_usage = split_name_markers(str(birth or ""))
    u_birth, u_usage = split_name_markers(str(usage or ""))
    # Roles only set the order (birth names first); every name is compared with every other.
    ordered = [b_birth, u_birth, b_usage, u_usage]
    names: list[str] = []
    tokens: list[str] = []
    for raw in ordered:
        toks = name_tokens(raw)
        key = "".join(toks)
        if key and key not in names:
            names.append(key)
            tokens.extend(toks)
    return names, tokens


def prepare(record: Mapping) -> Prepared:
    """Normalise a raw record once. ``id`` is required; every other field is optional.

    Raises ``KeyError`` without ``id`` and ``ValueError`` for a malformed ``birth_date``.
    ``nir`` is compared exactly: a raw NIR is normalised (separators dropped), an opaque token
    (the hub's HMAC) passes through unchanged apart from case.
    """
    get = record.get
    names, tokens = _surnames(get("birth_name"), get("usage_name"))
    first_tokens = first_name_tokens(get("first_names"))
    first = "".join(first_tokens)
    y, m, d = parse_birth_date(get("birth_date"))
    postcode = normalize_postcode(get("postcode"))
    return Prepared(
        id=str(record["id"]),
        surnames=tuple(names),
        surname_phon=tuple(phonetic(n) for n in names),
        surname_tokens=frozenset(tokens),
        first=first,
        first_tokens=first_tokens,
        first_phon=phonetic(first),
        sex=normalize_sex(get("sex")),
        year=y,
        month=m,
        day=d,
        date=f"{y:04d}{m:02d}{d:02d}" if y else "",
        birth_place=normalize_place(get("birth_place")),
        postcode=postcode,
        commune=commune_key(postcode, get("city")),
        address=normalize_address(get("address")),
        phone=normalize_phone(get("phone")),
        email=normalize_email(get("email")),
        nir=normalize_nir(get("nir")),
    )
