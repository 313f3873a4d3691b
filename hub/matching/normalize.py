"""Normalisation of French identity fields.

Every function here is pure, total (never raises on odd input, except the explicit date
parser) and idempotent: ``f(f(x)) == f(x)``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "fold",
    "split_name_markers",
    "name_tokens",
    "surname_key",
    "first_name_tokens",
    "normalize_city",
    "normalize_postcode",
    "commune_key",
    "normalize_place",
    "normalize_address",
    "normalize_phone",
    "normalize_email",
    "normalize_nir",
    "nir_is_valid",
    "parse_birth_date",
    "normalize_sex",
]

_LIGATURES = str.maketrans({"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss"})
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_SAINT = {"ST": "SAINT", "STE": "SAINTE", "SAINTES": "SAINTES"}


@lru_cache(maxsize=1 << 18)
def _fold(text: str) -> str:
    if not text.isascii():
        text = text.translate(_LIGATURES)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    words = _NON_ALNUM.sub(" ", text.upper()).split()
    return " ".join(_SAINT.get(w, w) for w in words)


def fold(text: str | None) -> str:
    """Uppercase ASCII, accents removed, every run of punctuation/space -> one space.

    Hyphens and apostrophes become spaces, so ``Jean-Pierre`` and ``d'Arc`` split into words.
    ``ST``/``STE`` are expanded to ``SAINT``/``SAINTE``.
    """
    if not text:
        return ""
    return _fold(str(text))


# --- names ---------------------------------------------------------------------------------

PARTICLES = frozenset(
    {"DE", "DU", "DES", "LA", "LE", "LES", "D", "L", "DEL", "DELLA", "DI", "DA", "DOS"}
    | {"VAN", "VON", "DER", "DEN", "TER", "MAC", "MC"}
)
# marker -> whether the text after it is the birth name ("NEE") or the usage name.
_USAGE_MARKERS = frozenset({"EPOUSE", "EP", "EPSE", "EPX", "VEUVE", "VVE", "DIVORCEE", "DIV"})
_BIRTH_MARKERS = frozenset({"NEE", "NE"})


@lru_cache(maxsize=1 << 16)
def split_name_markers(text: str | None) -> tuple[str, str]:
    """Split a surname field on civil-status markers.

    Returns ``(birth_part, usage_part)`` as folded strings, either may be empty. Without any
    marker the whole field is returned as ``(text, "")``: the caller decides its role.

    >>> split_name_markers("Dupont épouse Martin")
    ('DUPONT', 'MARTIN')
    >>> split_name_markers("Martin née Dupont")
    ('DUPONT', 'MARTIN')
    >>> split_name_markers("Vve Martin")
    ('', 'MARTIN')
    """
    words = fold(text).split()
    for i, w in enumerate(words):
        before, after = " ".join(words[:i]), " ".join(words[i + 1 :])
        if w in _USAGE_MARKERS and after:
            return before, after
        # "NE" alone is too ambiguous as a first word; only as an inner marker.
        if w in _BIRTH_MARKERS and after and (w == "NEE" or before):
            return after, before
    return " ".join(words), ""


@lru_cache(maxsize=1 << 16)
def name_tokens(text: str | None) -> tuple[str, ...]:
    """Words of a folded name, particles dropped unless nothing else would remain."""
    words = [w for w in fold(text).split() if not w.isdigit()]
    kept = [w for w in words if w not in PARTICLES]
    return tuple(kept or words)


def surname_key(text: str | None) -> str:
    """Comparable surname: particles dropped, words glued (``De La Fontaine`` -> FONTAINE,
    ``Lafontaine`` stays LAFONTAINE; both also match through containment)."""
    return "".join(name_tokens(text))


def first_name_tokens(text: str | None) -> tuple[str, ...]:
    """Words of the first-name field: ``Jean-Pierre, Marie`` -> (JEAN, PIERRE, MARIE)."""
    return tuple(w for w in fold(text).split() if not w.isdigit())


def normalize_sex(value: str | None) -> str:
    """``F``/``M``; anything else (``X``, unknown, empty) -> ``""``."""
    v = fold(value)[:1]
    if v in ("F", "W"):
        return "F"
    if v in ("M", "H"):
        return "M"
    return ""


# --- places --------------------------------------------------------------------------------

_ARRONDISSEMENT_CITIES = ("PARIS", "LYON", "MARSEILLE")


def _arrondissement_city(code: str) -> str:
    """City for an arrondissement postcode or INSEE code, else ``""``."""
    if len(code) != 5 or not code.isdigit():
        return ""
    n = int(code)
    if 75001 <= n <= 75020 or n == 75116 or 75101 <= n <= 75120:
        return "PARIS"
    if 69001 <= n <= 69009 or 69381 <= n <= 69389:
        return "LYON"
    if 13001 <= n <= 13016 or 13201 <= n <= 13216:
        return "MARSEILLE"
    return ""


def normalize_city(text: str | None) -> str:
    """Folded city name, ``CEDEX`` and arrondissement suffixes removed.

    ``Paris 15e``, ``PARIS XV``, ``Lyon 3ème arrondissement`` -> PARIS, LYON.
    """
    words = [w for w in fold(text).split() if w != "CEDEX"]
    if words and words[0] in _ARRONDISSEMENT_CITIES:
        return words[0]
    return " ".join(w for w in words if not w.isdigit())


def normalize_postcode(text: str | None) -> str:
    """Five digits (a lost leading zero is restored: ``1000`` -> ``01000``), else ``""``."""
    digits = re.sub(r"\D", "", str(text or ""))
    if len(digits) == 4:
        digits = "0" + digits
    return digits if len(digits) == 5 else ""


@lru_cache(maxsize=1 << 14)
def commune_key(postcode: str | None, city: str | None) -> str:
    """The commune a postcode/city pair designates; arrondissements collapse to the city."""
    pc = normalize_postcode(postcode)
    return _arrondissement_city(pc) or normalize_city(city)


def normalize_place(text: str | None) -> str:
    """Birth place: an INSEE/postcode of an arrondissement -> its city; a name -> folded city;
    another 5-digit code is kept as is."""
    raw = str(text or "").strip()
    code = raw.upper().replace(" ", "")
    if len(code) == 5 and (code.isdigit() or code[:2] in ("2A", "2B")):
        return _arrondissement_city(code) or code
    return normalize_city(raw)


_ADDRESS_ABBREV = {
    "BD": "BOULEVARD",
    "BLD": "BOULEVARD",
    "BVD": "BOULEVARD",
    "AV": "AVENUE",
    "AVE": "AVENUE",
    "R": "RUE",
    "CHE": "CHEMIN",
    "CHEM": "CHEMIN",
    "PL": "PLACE",
    "ALL": "ALLEE",
    "IMP": "IMPASSE",
    "RTE": "ROUTE",
    "FG": "FAUBOURG",
    "FBG": "FAUBOURG",
    "SQ": "SQUARE",
    "CRS": "COURS",
    "QU": "QUAI",
    "RES": "RESIDENCE",
    "LOT": "LOTISSEMENT",
    "APT": "APPARTEMENT",
    "BAT": "BATIMENT",
    "RD": "ROAD",
}


def normalize_address(text: str | None) -> str:
    """Folded address line, common street-type abbreviations expanded, particles dropped."""
    words = fold(text).split()
    out = [_ADDRESS_ABBREV.get(w, w) for w in words]
    return " ".join(w for w in out if w not in PARTICLES)


# --- contact and identifiers ---------------------------------------------------------------


def normalize_phone(text: str | None) -> str:
    """French numbers -> national 10 digits (``+33 6 12..``, ``0033612..`` -> ``0612..``).

    Numbers that are not French are kept as their digits; too short -> ``""``.
    """
    raw = str(text or "").strip()
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("0033"):
        digits = digits[4:]
    elif raw.startswith("+33") or (len(digits) in (11, 12) and digits.startswith("33")):
        digits = digits[2:]
    elif raw.startswith("+") or digits.startswith("00"):
        return digits.lstrip("0") if len(digits) >= 8 else ""
    if len(digits) == 10 and digits.startswith("0"):
        return digits
    if len(digits) == 9 and not digits.startswith("0"):
        return "0" + digits
    return digits if len(digits) >= 8 else ""


def normalize_email(text: str | None) -> str:
    """Trimmed, lower-cased; ``""`` if it is not an address."""
    e = str(text or "").strip().lower()
    return e if "@" in e and " " not in e else ""


def normalize_nir(text: str | None) -> str:
    """NIR (numéro de sécurité sociale): uppercase, separators removed (``2A``/``2B`` kept)."""
    return re.sub(r"[^0-9A-Z]", "", str(text or "").upper())


def nir_is_valid(nir: str | None) -> bool:
    """True when a 15-character NIR carries the right control key.

    key = 97 - (13-digit number mod 97); for Corsica the department ``2A`` counts as 19
    and ``2B`` as 18 in the computation.
    """
    n = normalize_nir(nir)
    if len(n) != 15 or not n[13:].isdigit():
        return False
    body = n[:13]
    dept = body[5:7]
    if dept == "2A":
        body = body[:5] + "19" + body[7:]
    elif dept == "2B":
        body = body[:5] + "18" + body[7:]
    if not body.isdigit():
        return False
    return 97 - int(body) % 97 == int(n[13:])


# --- dates ---------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_birth_date(text: str | None) -> tuple[int, int, int]:
    """``YYYY-MM-DD`` | ``YYYY-MM`` | ``YYYY`` -> (year, month, day), 0 for a missing part.

    Empty -> (0, 0, 0). Raises ``ValueError`` for anything else (a month 13, day 32...).
    """
    s = str(text or "").strip()
    if not s:
        return (0, 0, 0)
    m = _DATE.match(s)
    if not m:
        raise ValueError(f"invalid birth date {s!r}, expected YYYY-MM-DD, YYYY-MM or YYYY")
    y, mo, d = int(m[1]), int(m[2] or 0), int(m[3] or 0)
    if not (1800 <= y <= 2200) or (m[2] and not 1 <= mo <= 12) or (m[3] and not 1 <= d <= 31):
        raise ValueError(f"invalid birth date {s!r}")
    return (y, mo, d)
