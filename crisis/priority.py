"""The call list's order: who is called first.

One formula, as a database expression, so that 100,000 entries are ordered by the database in
one statement: living alone (+40), no home-care service (+25), category (disability or over 60
and unfit +10, 65 and over +5), and past outcomes (``Registration.attention``: hospitalised,
escalated to the 15 or a need reported in an earlier plan, at most +25).
"""

from __future__ import annotations

from django.db.models import Case, Value, When
from django.db.models.functions import Least

from crisis.vocab import Eligibility

ALONE = 40
NO_HOME_CARE = 25
CATEGORY = {Eligibility.DISABILITY: 10, Eligibility.AGE_60_UNFIT: 10, Eligibility.AGE_65: 5}
ATTENTION_CAP = 25


def priority_expression():
    return (
        Case(When(lives_alone=True, then=Value(ALONE)), default=Value(0))
        + Case(When(home_care_service="", then=Value(NO_HOME_CARE)), default=Value(0))
        + Case(
            *[When(category=code, then=Value(points)) for code, points in CATEGORY.items()],
            default=Value(0),
        )
        + Least("attention", Value(ATTENTION_CAP))
    )


def priority_of(registration) -> int:
    """The same formula in Python (for one entry)."""
    return (
        (ALONE if registration.lives_alone else 0)
        + (0 if registration.home_care_service else NO_HOME_CARE)
        + CATEGORY.get(registration.category, 0)
        + min(registration.attention, ATTENTION_CAP)
    )


__all__ = ["priority_expression", "priority_of"]
