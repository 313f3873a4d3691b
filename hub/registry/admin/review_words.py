"""Match weights said in words for the reviewer: "même date de naissance : rapproche
fortement les deux fiches", "prénom proche : rapproche un peu". The engine's weights (in bits)
stay in the explanation; the page speaks of the fields."""

from __future__ import annotations

from django.utils.translation import gettext as _

# engine field → (noun, feminine)
NOUNS = {
    "surname": ("nom", False),
    "first_names": ("prénom", False),
    "sex": ("sexe", False),
    "birth_date": ("date de naissance", True),
    "birth_place": ("lieu de naissance", False),
    "city": ("commune", True),
    "address": ("adresse", True),
    "phone": ("téléphone", False),
    "email": ("courriel", False),
    "nir": ("NIR", False),
}


def _adj(masculine: str, feminine: str, is_feminine: bool) -> str:
    return feminine if is_feminine else masculine


def field_phrase(field: str, level: str) -> str:
    noun, fem = NOUNS.get(field, (field, False))
    phrases = {
        "exact": f"même {noun}",
        "exact_placeholder": f"même {noun} (date par défaut, peu probante)",
        "swapped": f"{noun} {_adj('inversé', 'inversée', fem)}",
        "partial": f"{noun} en partie identique",
        "phonetic": f"{noun} de même prononciation",
        "typo": f"{noun} à une faute de frappe près",
        "fuzzy": f"{noun} {_adj('proche', 'proche', fem)}",
        "different": f"{noun} {_adj('différent', 'différente', fem)}",
        "missing": f"{noun} {_adj('absent', 'absente', fem)} d'un côté",
        "day_month_swapped": f"{noun} avec jour et mois inversés",
        "year_off_by_one": f"{noun} à un an près",
        "same_postcode": "même code postal",
        "same_city": "même commune",
        "usual_form": f"{noun} d'usage (diminutif ou forme courante)",
        "crossed": f"{noun} de l'une égal au nom de l'autre",
        "different_sex": f"{noun} {_adj('différent', 'différente', fem)}, d'un autre sexe",
    }
    return phrases.get(level, noun)


def effect(weight: float) -> str:
    size = abs(weight)
    if size < 0.05:
        return _("ne compte pas")
    strength = _("fortement") if size >= 4 else (_("un peu") if size < 1.5 else "")
    verb = _("rapproche") if weight > 0 else _("éloigne")
    return " ".join(p for p in (verb, strength, _("les deux fiches")) if p)


def explain(field: str, level: str, weight: float) -> str:
    phrase = field_phrase(field, level)
    return f"{phrase[:1].upper()}{phrase[1:]} : {effect(weight)}"
