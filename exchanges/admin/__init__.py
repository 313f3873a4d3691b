"""Admin of exchanges, in French, scoped to the organizations of the staff member.

One module per concern: ``cases`` (support cases, changed through ``exchanges.cases``),
``alerts`` (overlap alerts, what they reveal decided at read time), ``referrals``, ``webhooks``,
``imports``, ``events``, ``submissions`` (the citizen portal's queue). Persons are shown through
the disclosure gate only, and every display of one writes its access-log row.
"""

from exchanges.admin import (  # noqa: F401
    alerts,
    cases,
    events,
    imports,
    person_sections,
    referrals,
    submissions,
    webhooks,
)
