"""Formats the hub's schemas use beyond JSON Schema's own: partial dates and the NIR."""

from __future__ import annotations

import datetime as dt
import re

from jsonschema import FormatChecker

_NIR_RE = re.compile(r"^[12378]\d{2}(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2A|2B)\d{8}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

format_checker = FormatChecker()
#: Formats of the hub's own, published in the schemas' descriptions.
CUSTOM_FORMATS = frozenset({"partial-date", "nir"})


@format_checker.checks("partial-date", raises=ValueError)
def check_partial_date(value: object) -> bool:
    """YYYY, YYYY-MM or YYYY-MM-DD naming a real day, not after today, not before 1880."""
    if not isinstance(value, str):
        return True
    parts = value.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2]) if len(parts) > 2 else 1
        date = dt.date(year, month, day)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"{value!r} is not a real calendar date") from exc
    if date > dt.date.today():
        raise ValueError(f"{value!r} is in the future")
    if year < 1880:
        raise ValueError(f"{value!r} is before 1880")
    return True


def nir_is_valid(value: str) -> bool:
    """True for a 15-character NIR whose last two digits are its control key (97 - n mod 97)."""
    nir = re.sub(r"[\s.\-]", "", value).upper()
    if not _NIR_RE.match(nir):
        return False
    body = nir[:13].replace("2A", "19").replace("2B", "18")
    return 97 - (int(body) % 97) == int(nir[13:])


@format_checker.checks("nir", raises=ValueError)
def check_nir(value: object) -> bool:
    if isinstance(value, str) and not nir_is_valid(value):
        raise ValueError("the NIR control key does not match its first 13 characters")
    return True


@format_checker.checks("idn-email", raises=ValueError)
@format_checker.checks("email", raises=ValueError)
def check_email(value: object) -> bool:
    if isinstance(value, str) and not _EMAIL_RE.match(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return True
