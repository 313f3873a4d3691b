"""Indicator definitions, as code: what each figure counts, over whom, per what.

Each indicator is computed from *measures*: counts materialised per commune (and IRIS) × month
(and year) × breakdown in ``territory.models.Cell``. Counts of persons add up over zones (a
person is placed in one commune), so parents (EPCI, département) are sums; rates are ratios of
two summed counts; delays are read from summed histograms of whole days.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exchanges.models import CaseOutcome, CaseType, DeclineReason
from hub.registry.models import OrganizationKind
from territory.zones import COMMUNE, DEPARTEMENT, EPCI, IRIS

ALL_LEVELS = (COMMUNE, EPCI, DEPARTEMENT, IRIS)
COMMUNE_LEVELS = (COMMUNE, EPCI, DEPARTEMENT)

COUNT, RATE, DELAY = "count", "rate", "delay"

# --- Breakdowns: a dimension and the French label of each of its values -----------------------

OUTCOME_GROUPS = {
    "lasting_employment": (
        "Emploi durable",
        (
            CaseOutcome.EMPLOYMENT_CDI,
            CaseOutcome.EMPLOYMENT_FIXED_TERM_6M,
            CaseOutcome.BUSINESS_CREATION,
        ),
    ),
    "transition_employment": ("Emploi de transition", (CaseOutcome.EMPLOYMENT_TRANSITION,)),
    "positive_exit": (
        "Sortie positive",
        (CaseOutcome.QUALIFYING_TRAINING, CaseOutcome.OTHER_SIAE),
    ),
    "rehousing": ("Relogement", (CaseOutcome.HOUSING_ORDINARY, CaseOutcome.HOUSING_SUPPORTED)),
    "shelter": ("Hébergement", (CaseOutcome.SHELTER,)),
    "rights": ("Droits ou soins obtenus", (CaseOutcome.RIGHTS_OPENED, CaseOutcome.CARE_ACCESS)),
    "goal_reached": ("Objectif atteint (autre)", (CaseOutcome.GOAL_REACHED,)),
    "no_solution": ("Sans solution", (CaseOutcome.NO_SOLUTION,)),
    "ended": (
        "Fin à l'initiative de la personne ou départ",
        (CaseOutcome.ENDED_BY_PERSON, CaseOutcome.MOVED_AWAY),
    ),
    "deceased": ("Décès", (CaseOutcome.DECEASED,)),
    "lost_contact": ("Perdu de vue", (CaseOutcome.LOST_CONTACT,)),
}
GROUP_OF_OUTCOME = {
    str(o): group for group, (_l, outcomes) in OUTCOME_GROUPS.items() for o in outcomes
}
# Exits that say nothing of the support's result: left out of the denominators of rates.
NEUTRAL_OUTCOMES = {CaseOutcome.DECEASED, CaseOutcome.MOVED_AWAY}

DURATION_BUCKETS = (
    ("d0_30", "30 jours ou moins", 0, 30),
    ("d31_90", "31 à 90 jours", 31, 90),
    ("d91_180", "91 à 180 jours", 91, 180),
    ("d181", "plus de 180 jours", 181, None),
)


def duration_bucket(days: int) -> str:
    for code, _label, low, high in DURATION_BUCKETS:
        if days >= low and (high is None or days <= high):
            return code
    return DURATION_BUCKETS[0][0]


BREAKDOWNS = {
    "support_type": ("Type d'accompagnement", dict(CaseType.choices)),
    "partner_kind": ("Type de partenaire", dict(OrganizationKind.choices)),
    "outcome_group": ("Motif de sortie", {k: v[0] for k, v in OUTCOME_GROUPS.items()}),
    "duration": ("Durée de l'accompagnement", {c: label for c, label, _l, _h in DURATION_BUCKETS}),
    "reason": ("Motif de refus", dict(DeclineReason.choices)),
    "kind": ("Mode", {"intake_link": "Rattachement à l'arrivée", "merge": "Fusion de fiches"}),
    "statistic": ("Statistique", {"median": "Médiane", "p90": "9ᵉ décile (p90)"}),
}

SHELTER_TYPES = (CaseType.EMERGENCY_SHELTER, CaseType.DOMICILIATION)
HOUSING_TYPES = (CaseType.EMERGENCY_SHELTER, CaseType.HOUSING, CaseType.DOMICILIATION)
RIGHTS_TYPES = (CaseType.RIGHTS_ACCESS, CaseType.HEALTH_ACCESS)


@dataclass(frozen=True)
class Indicator:
    code: str
    title: str
    unit: str
    kind: str  # count, rate or delay
    measure: str  # the count (count), the histogram (delay) or the numerator (rate)
    definition: dict  # numerator, denominator, population, period, counts
    breakdowns: tuple = ()
    zone_levels: tuple = ALL_LEVELS
    denominator: str = ""  # rate: the measure below the fraction
    version: int = 1
    theme: str = ""
    hypervision: bool = False
    measures: tuple = field(default=(), compare=False)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "unit": self.unit,
            "definition": self.definition,
            "zone_levels": list(self.zone_levels),
            "breakdowns": list(self.breakdowns),
            "version": self.version,
            "kind": self.kind,
        }


MONTH = "Le mois civil (ou l'année civile), heure de Paris."
SUPPORTED = (
    "Personnes (fiches consolidées, une fiche fusionnée comptant pour la personne conservée) "
    "placées dans la commune de leur adresse ; à défaut dans la commune unique du partenaire."
)


def _d(numerator, denominator, population, counts, period=MONTH) -> dict:
    return {
        "numerator": numerator,
        "denominator": denominator,
        "population": population,
        "period": period,
        "counts": counts,
    }
