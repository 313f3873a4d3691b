"""What an outcome does to a call: pure rules, no database.

The person is called up to ``CRISIS_MAX_ATTEMPTS`` times within ``CRISIS_ATTEMPT_WINDOW_HOURS``
(``CRISIS_RETRY_MINUTES`` apart); then the person to call in an emergency (if any); then a home
visit; then the 15 (SAMU). Each step is recorded with who and when (``CallAttempt``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crisis.vocab import STEP_OUTCOMES, CallStatus, Outcome, Step

DONE = {
    Outcome.REACHED: CallStatus.REACHED,
    Outcome.CONTACT_OK: CallStatus.REACHED,
    Outcome.VISIT_OK: CallStatus.REACHED,
    Outcome.NEED: CallStatus.NEED,
    Outcome.HOSPITALISED: CallStatus.CLOSED,
    Outcome.ABSENT: CallStatus.CLOSED,
    Outcome.ESCALATED: CallStatus.ESCALATED,
}
# Outcomes that make the person called earlier in the next plan.
ATTENTION = {Outcome.HOSPITALISED: 10, Outcome.NEED: 5, Outcome.ESCALATED: 10}


@dataclass(frozen=True)
class Rules:
    max_attempts: int = 4
    window: dt.timedelta = dt.timedelta(hours=48)
    retry: dt.timedelta = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Next:
    step: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None


def after(
    *,
    step: str,
    attempts: int,
    first_attempt_at: dt.datetime | None,
    outcome: str,
    has_contact: bool,
    now: dt.datetime,
    rules: Rules,
) -> Next:
    """The call's next state. Raises ValueError for an outcome the step does not accept."""
    if outcome not in STEP_OUTCOMES[step]:
        raise ValueError(outcome)
    if outcome in DONE:
        return Next(step, DONE[outcome], attempts + 1, None)
    if step == Step.CALL and outcome == Outcome.NO_ANSWER:
        tried = attempts + 1
        started = first_attempt_at or now
        if tried < rules.max_attempts and now + rules.retry <= started + rules.window:
            return Next(step, CallStatus.PENDING, tried, now + rules.retry)
    following = {
        Step.CALL: Step.CONTACT if has_contact else Step.VISIT,
        Step.CONTACT: Step.VISIT,
        Step.VISIT: Step.ESCALATION,
    }[step]
    return Next(following, CallStatus.PENDING, 0, None)
