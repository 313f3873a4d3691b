"""Admin (in French) of consents and legal bases, the DPO's tools and the rights workflow.

One module per concern: ``grants`` (social workers record and withdraw grants through the
services), ``accesslog`` and ``dpo`` (the DPO's read-only audit tools and the rights of the
person), ``ledger`` (grant ledger, checkpoints), ``retention`` (runs, legal holds), ``groups``
(coordination groups), ``requests`` (cross-partner rights requests), ``portal_consents`` (the
evidence of the consents given on the citizen portal). Persons are read through
the disclosure gate only (``people``); every display of one writes its access-log row.
"""

from consent.admin import (  # noqa: F401
    accesslog,
    grants,
    groups,
    ledger,
    person_sections,
    portal_consents,
    requests,
    retention,
)
