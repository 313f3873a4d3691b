"""How values are written for French readers of the admin."""

from __future__ import annotations

from hub.registry.models import Sex


def format_partial_date(value: str) -> str:
    """``1984-03-12`` → ``12/03/1984``; ``1984-03`` → ``03/1984``; anything else as is."""
    parts = (value or "").split("-")
    if all(p.isdigit() for p in parts) and 1 <= len(parts) <= 3:
        return "/".join(reversed(parts))
    return value or ""


def sex_label(value: str) -> str:
    return str(Sex(value).label) if value in Sex.values else value or ""


def score_percent(score) -> str:
    if score is None:
        return "—"
    return f"{score * 100:.1f}\u00a0%".replace(".", ",")


GRADE_LABELS = {"certain": "certaine", "probable": "probable", "possible": "possible"}

PERSON_FIELDS = (
    ("birth_name", "Nom de naissance"),
    ("usage_name", "Nom d'usage"),
    ("first_names", "Prénoms"),
    ("sex", "Sexe"),
    ("birth_date", "Date de naissance"),
    ("birth_place", "Lieu de naissance"),
    ("phone", "Téléphone"),
    ("email", "Courriel"),
)


def person_rows(payload: dict) -> list[tuple[str, str]]:
    """A record body as (French label, value) rows, in reading order (empty fields left out)."""
    payload = payload or {}
    rows = []
    for name, label in PERSON_FIELDS:
        value = payload.get(name) or ""
        if name == "birth_date":
            value = format_partial_date(value)
        elif name == "sex":
            value = sex_label(value)
        if value:
            rows.append((label, value))
    address = payload.get("address") or {}
    line = ", ".join(
        part
        for part in (
            address.get("line"),
            " ".join(filter(None, (address.get("postcode"), address.get("city")))),
        )
        if part
    )
    if line:
        rows.append(("Adresse", line))
    return rows
