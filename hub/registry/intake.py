"""Identity matching at intake: is the person of a new record already known to the hub?

The matching engine (``hub.matching``) scores the new record against the records of the
candidates found through the blocking-key index.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class MatchOutcome:
    CREATED = "created"  # nobody alike: a new beneficiary
    LINKED = "linked"  # certain match: linked to the existing beneficiary
    REVIEW = "review"  # probable/possible: new beneficiary plus review items
    UPDATED = "updated"  # an existing record replaced
    UNCHANGED = "unchanged"  # an existing record sent again identical


@dataclass
class IntakeDecision:
    outcome: str
    beneficiary: object | None = None
    score: float | None = None
    grade: str | None = None
    review_candidates: list = field(default_factory=list)


def match_new_record(*, organization, payload: dict, nir_digest: str) -> IntakeDecision:
    return IntakeDecision(outcome=MatchOutcome.CREATED)


def index_record(record) -> None:
    return None


def file_review_items(*, record, decision: IntakeDecision) -> None:
    return None
