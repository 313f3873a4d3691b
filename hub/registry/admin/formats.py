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
