"""Checks of what a citizen typed on the portal, with errors in plain French naming the field.

The person is a record body of ``schemas/beneficiary-record.v1``: it is validated by the
project's schema loader (``schemas.validate``), whose English messages are put in French here.
The other parts (contact, free text) are checked by small functions returning
``[{"field", "message"}]``.
"""

from __future__ import annotations

import re
import unicodedata

import schemas

LABELS = {
    "birth_name": "le nom de naissance",
    "usage_name": "le nom d'usage",
    "first_names": "le ou les prénoms",
    "sex": "le sexe",
    "birth_date": "la date de naissance",
    "birth_place": "le lieu de naissance",
    "nir": "le numéro de sécurité sociale",
    "phone": "le téléphone",
    "email": "l'adresse électronique",
    "address": "l'adresse",
    "address.line": "l'adresse (numéro et rue)",
    "address.postcode": "le code postal",
    "address.city": "la commune",
    "address.insee_code": "le code INSEE de la commune",
    "address.iris": "le quartier (IRIS)",
    "living_alone": "la mention « vit seul(e) »",
    "reduced_mobility": "la mention « mobilité réduite »",
}

_FORMATS = {
    "birth_date": "La date de naissance doit être une vraie date passée, au format AAAA-MM-JJ "
    "(ou AAAA-MM, ou AAAA si le jour ou le mois est inconnu).",
    "phone": "Le téléphone n'est pas valide (chiffres, espaces, points ou tirets ; "
    "par exemple 06 12 34 56 78).",
    "email": "L'adresse électronique n'est pas valide (par exemple nom@exemple.fr).",
    "address.postcode": "Le code postal doit compter 5 chiffres.",
    "address.insee_code": "Le code INSEE de la commune doit compter 5 caractères.",
    "nir": "Le numéro de sécurité sociale n'est pas valide (15 caractères, clé comprise).",
}


def _label(field: str) -> str:
    return LABELS.get(field, "ce champ")


def _french(field: str, message: str) -> str:
    label = _label(field)
    if message == "this field is required":
        return f"Indiquez {label}."
    if message == "unknown field":
        return "Ce champ n'est pas prévu par le formulaire."
    if message.startswith("must be of type"):
        return f"La valeur donnée pour {label} n'est pas du bon type."
    if message.startswith("must be one of"):
        return f"Choisissez une valeur proposée pour {label}."
    if message.startswith("length must be at most"):
        return f"Le texte donné pour {label} est trop long."
    if message.startswith("length must be at least") or message == "has an invalid format":
        if field in _FORMATS:
            return _FORMATS[field]
        if field in ("birth_name", "first_names", "usage_name"):
            return f"Indiquez {label} (en lettres)."
        return f"La valeur donnée pour {label} n'est pas valide (une seule ligne de texte)."
    if field in _FORMATS:
        return _FORMATS[field]
    return f"La valeur donnée pour {label} n'est pas valide."


def person_errors(person, *, prefix: str = "person", allow_nir: bool = True) -> list[dict]:
    """French errors of a record body (empty when valid)."""
    if not isinstance(person, dict):
        return [{"field": prefix, "message": "Les informations sur la personne sont manquantes."}]
    errors = []
    if not allow_nir and "nir" in person:
        errors.append(
            {
                "field": f"{prefix}.nir",
                "message": "Le numéro de sécurité sociale n'est pas demandé ici : "
                "laissez ce champ vide.",
            }
        )
    seen = set()
    for error in schemas.validate("beneficiary-record", 1, person):
        field = error["field"]
        if field in seen:
            continue  # one message per field is enough for a person
        seen.add(field)
        errors.append(
            {
                "field": f"{prefix}.{field}" if field else prefix,
                "message": _french(field, error["message"]),
            }
        )
    return errors


def clean_person(person: dict) -> dict:
    """The record body as stored (NFC, surrounding spaces removed)."""
    return schemas.normalized(person)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 .()-]{6,20}$")


def text_value(
    value, field: str, errors: list, *, label: str, limit: int, required: bool = False
) -> str:
    """A free text (several lines allowed), stripped and in NFC; errors in French."""
    if value is None or value == "":
        if required:
            errors.append({"field": field, "message": f"Indiquez {label}."})
        return ""
    if not isinstance(value, str):
        errors.append({"field": field, "message": f"La valeur donnée pour {label} est invalide."})
        return ""
    value = unicodedata.normalize("NFC", value).strip()
    if _CONTROL.search(value):
        errors.append({"field": field, "message": f"Le texte donné pour {label} est invalide."})
    elif len(value) > limit:
        errors.append(
            {"field": field, "message": f"{label.capitalize()} : {limit} caractères au plus."}
        )
    elif required and not value:
        errors.append({"field": field, "message": f"Indiquez {label}."})
    return value


CONTACT_KEYS = frozenset({"email", "phone", "name", "relation", "preferred"})


def contact_value(contact, field: str, errors: list) -> dict:
    """Contact details (all optional): e-mail, phone, name, relation, preferred channel."""
    if contact is None:
        return {}
    if not isinstance(contact, dict):
        errors.append({"field": field, "message": "Les coordonnées sont invalides."})
        return {}
    unknown = sorted(set(contact) - CONTACT_KEYS)
    for name in unknown:
        errors.append(
            {"field": f"{field}.{name}", "message": "Ce champ n'est pas prévu par le formulaire."}
        )
    clean = {}
    email = text_value(
        contact.get("email"), f"{field}.email", errors, label="l'adresse électronique", limit=254
    )
    if email and not _EMAIL.match(email):
        errors.append({"field": f"{field}.email", "message": _FORMATS["email"]})
    phone = text_value(
        contact.get("phone"), f"{field}.phone", errors, label="le téléphone", limit=20
    )
    if phone and not _PHONE.match(phone):
        errors.append({"field": f"{field}.phone", "message": _FORMATS["phone"]})
    for name, label, limit in (("name", "le nom", 200), ("relation", "le lien", 100)):
        value = text_value(contact.get(name), f"{field}.{name}", errors, label=label, limit=limit)
        if value:
            clean[name] = value
    preferred = contact.get("preferred")
    if preferred not in (None, "", "email", "phone"):
        errors.append(
            {"field": f"{field}.preferred", "message": "Choisissez courriel ou téléphone."}
        )
    elif preferred:
        clean["preferred"] = preferred
    if email:
        clean["email"] = email
    if phone:
        clean["phone"] = phone
    return clean
