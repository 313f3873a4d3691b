"""Checks of French identifiers: SIRET (Luhn key) and NIR (key 97 - n mod 97)."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_NIR_RE = re.compile(r"^[12378]\d{2}(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2A|2B)\d{6}\d{2}$")


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siret(value: str) -> None:
    if not (len(value) == 14 and value.isdigit() and luhn_ok(value)):
        raise ValidationError(_("SIRET invalide : 14 chiffres avec une clé de Luhn correcte."))


def normalize_nir(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value).upper()


def nir_is_valid(value: str) -> bool:
    """True for a 15-character NIR whose last two digits are its control key."""
    nir = normalize_nir(value)
    if not _NIR_RE.match(nir):
        return False
    body = nir[:13].replace("2A", "19").replace("2B", "18")
    return 97 - (int(body) % 97) == int(nir[13:])


def nir_hash(value: str) -> str:
    """Keyed hash (HMAC-SHA256) of a normalised NIR: usable for exact matching, not reversible."""
    key = settings.NIR_HASH_KEY.encode("utf-8")
    return hmac.new(key, normalize_nir(value).encode("ascii"), hashlib.sha256).hexdigest()
