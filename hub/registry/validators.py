"""SIRET check (Luhn key) and the keyed hash that replaces the NIR at rest.

The NIR control key is checked by the published schema (``schemas.formats.nir_is_valid``)."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


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


def nir_hash(value: str) -> str:
    """Keyed hash (HMAC-SHA256) of a normalised NIR: usable for exact matching, not reversible."""
    key = settings.NIR_HASH_KEY.encode("utf-8")
    return hmac.new(key, normalize_nir(value).encode("ascii"), hashlib.sha256).hexdigest()
