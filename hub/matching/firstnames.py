"""First-name knowledge: the sex a first name implies, and usual forms (diminutives).

* ``data/prenoms.csv`` (built from INSEE's fichier des prénoms, see ``data/README.md``) gives,
  for about 19,000 first names, the share of women among their bearers. A name borne by at
  least ``SEX_CONFIDENCE`` women (or men) implies that sex; CAMILLE, DOMINIQUE or CLAUDE imply
  none. A compound name implies the sex of the compound when it is in the table (JEAN-MARIE
  is a man's name), else that of its first part.
* ``_USUAL``: forms a person commonly goes by instead of the civil first name (CATHY for
  CATHERINE), and ``_SPELLINGS``: transliterations of one name (MOHAMED, MOHAMMED). Two usual
  forms of different civil names (CHRISTOPHE, CHRISTINE: both CHRIS) are not linked to each
  other. Our own short list of frequent French cases, not an exhaustive dictionary.

Both are loaded once, lazily, from files shipped with the package: nothing is fetched.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

__all__ = ["SEX_CONFIDENCE", "implied_sex", "usual_forms"]

DATA = Path(__file__).resolve().parent / "data" / "prenoms.csv"
#: Share of bearers of one sex from which a first name implies that sex.
SEX_CONFIDENCE = 0.95

#: Usual forms (diminutives, short forms) and the civil first names they stand for, folded.
_USUAL = """
ALEX: ALEXANDRE ALEXANDRA ALEXIS
BEA: BEATRICE
BEN: BENJAMIN
CATHY KATHY CATH: CATHERINE
CHRIS: CHRISTOPHE CHRISTIAN CHRISTINE CHRISTELLE
DOM: DOMINIQUE
MANU: EMMANUEL EMMANUELLE
FLO: FLORENCE FLORIAN FLORIANE
FRED: FREDERIC FREDERIQUE
ISA: ISABELLE
JB: JEANBAPTISTE
JACKY JACKIE: JACQUES JACQUELINE
JOJO: JOSEPH JOSEPHINE GEORGES
MAX: MAXIME MAXIMILIEN
NATH: NATHALIE
NICO: NICOLAS
PAT: PATRICK PATRICIA
PHIL: PHILIPPE
SEB BASTIEN: SEBASTIEN
STEPH: STEPHANE STEPHANIE
TOM TOMMY: THOMAS
THEO: THEODORE THEOPHILE
VAL: VALERIE VALENTIN VALENTINE
VERO: VERONIQUE
SAM: SAMUEL SAMANTHA
TONY: ANTOINE ANTHONY
JEANNOT: JEAN
MARGOT MAGUY: MARGUERITE
BABETH BETTY: ELISABETH
JEANNETTE: JEANNE
ANNIE ANNETTE: ANNE
MARIETTE: MARIE
PIERROT: PIERRE
SUZY SUZON: SUZANNE
DANY: DANIEL DANIELLE
GEGE: GERARD GERALDINE
KADER: ABDELKADER
AZIZ: ABDELAZIZ
KRIM: ABDELKRIM
BRAHIM: IBRAHIM IBRAHIMA
FATOU: FATIMA FATOUMATA
"""
#: Spellings of one first name (transliterations), each group equivalent.
_SPELLINGS = """
MOHAMED MOHAMMED MOHAMMAD MUHAMMAD MOHAMAD MOHAMET
YOUSSEF YOUSSOUF YOUSSOUPH YUSUF YOUSEF
IBRAHIM IBRAHIMA BRAHIM
AICHA AISSA AICHATOU
FATOUMATA FATIMATA
ABDALLAH ABDELLAH ABDOULAYE
ELISABETH ELIZABETH
"""


@lru_cache(maxsize=1)
def _table() -> dict[str, float]:
    """Folded, glued first name -> share of women among its bearers."""
    with open(DATA, encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        name, share = header.index("name"), header.index("female_share")
        return {row[name]: float(row[share]) for row in rows}


@lru_cache(maxsize=1 << 16)
def implied_sex(glued: str, first_token: str) -> str:
    """``F``/``M`` when the first name (or, failing that, its first part) is borne by at least
    ``SEX_CONFIDENCE`` of one sex; ``""`` for epicene, unknown or empty names."""
    table = _table()
    share = table.get(glued)
    if share is None and first_token != glued:
        share = table.get(first_token)
    if share is None:
        return ""
    if share >= SEX_CONFIDENCE:
        return "F"
    if share <= 1.0 - SEX_CONFIDENCE:
        return "M"
    return ""


@lru_cache(maxsize=1)
def _forms() -> dict[str, frozenset[str]]:
    """Name -> the names it may stand for or be written as (itself included)."""
    out: dict[str, set[str]] = {}
    for line in _USUAL.strip().splitlines():
        short, civil = line.split(":")
        for s in short.split():
            out.setdefault(s, {s}).update(civil.split())
    for line in _SPELLINGS.strip().splitlines():
        group = line.split()
        for s in group:
            out.setdefault(s, {s}).update(group)
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=1 << 16)
def usual_forms(tokens: tuple[str, ...], glued: str) -> frozenset[str]:
    """Every name the usual first name (the whole field, or its first given name) may stand
    for through a usual form or another spelling (those names included), or an empty set
    when it has none. Later given names are left out: a sibling's middle name is no usual
    form."""
    forms = _forms()
    names = {glued, tokens[0]} if tokens else {glued}
    if not any(n in forms for n in names):
        return frozenset()
    out = set(names)
    for n in names:
        out.update(forms.get(n, ()))
    return frozenset(out)
