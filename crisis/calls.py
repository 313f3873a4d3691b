"""The call campaign: claim, record outcomes, watch (the list itself: ``crisis.call_list``).

Callers pull from one queue in priority order ("next call"): the caller's held call, else the
more urgent of (a) the most urgent due call already written (a retry, a released call, a person
registered during the plan) and (b) the next entry of the list's snapshot, handed out by an
atomic increment of its cursor and written already claimed. Claims of written calls are
conditional UPDATEs (``… WHERE id = … AND (claim_holder = '' OR claim_expires_at < now)``):
exactly one caller wins, and a claim expires after ``CRISIS_CLAIM_MINUTES`` so that a caller who
leaves does not hold a person forever. On PostgreSQL a written call is picked with ``FOR UPDATE
SKIP LOCKED``, so fifty callers asking at once each get a different person without waiting on
each other. Recording an outcome locks the call row, checks the claim, applies the rules of
``crisis.steps`` and releases the claim, in one transaction with its audit row.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Least
from django.utils import timezone

from consent.audit import log_access
from consent.vocab import Basis, Purpose
from crisis import call_entries, call_list, steps
from crisis.call_list import build_call_list, call_list_rows
from crisis.callers import (
    VISIT_STEPS,
    intervening,
    managed_activation,
    may_call,
)
from crisis.errors import CrisisError, NotFound
from crisis.models import Activation, Call, CallAttempt, CampaignCaller, Registration
from crisis.vocab import NeedAction, Outcome, Step
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary

__all__ = ["build_call_list", "call_list_rows"]  # re-exported


def rules() -> steps.Rules:
    return steps.Rules(
        max_attempts=settings.CRISIS_MAX_ATTEMPTS,
        window=dt.timedelta(hours=settings.CRISIS_ATTEMPT_WINDOW_HOURS),
        retry=dt.timedelta(minutes=settings.CRISIS_RETRY_MINUTES),
    )


def add_caller(*, actor: Actor, activation_id, user) -> CampaignCaller:
    with transaction.atomic():
        activation = managed_activation(actor, activation_id)
        caller, _created = CampaignCaller.objects.get_or_create(activation=activation, user=user)
    return caller


# --- Claims -----------------------------------------------------------------------------------


def _claimable(now):
    return Q(status="pending") & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def _free(now):
    return Q(claim_holder="") | Q(claim_expires_at__lt=now)


def _claim_fields(actor: Actor, now) -> dict:
    """A claim by ``actor``; a user who takes a call is the one it is entrusted to."""
    fields = {
        "claim_holder": actor.label,
        "claimed_by_id": actor.user_id,
        "claim_expires_at": now + dt.timedelta(minutes=settings.CRISIS_CLAIM_MINUTES),
    }
    if actor.user_id:
        fields["assigned_to_id"] = actor.user_id
    return fields


def _take(actor: Actor, call_id, now) -> bool:
    claimed = Call.objects.filter(pk=call_id).filter(_claimable(now) & _free(now))
    return claimed.update(**_claim_fields(actor, now)) == 1


def _holds(actor: Actor, call: Call, now) -> bool:
    return bool(
        call.status == "pending"
        and call.claim_holder == actor.label
        and call.claim_expires_at
        and call.claim_expires_at >= now
    )


def claim(*, actor: Actor, call_id) -> Call:
    """Take one call, written or not yet (409 if another caller holds it or it is not due)."""
    call = call_entries.find_call(call_id)
    if call is None or not may_call(actor, call.activation):
        raise NotFound(call_id)
    if not call.activation.is_open:
        raise CrisisError("the plan is closed", status=409, field="activation")
    now = timezone.now()
    if call._state.adding:  # the entry's row is written with the claim (or another's, first)
        call = call_entries.write(call, **_claim_fields(actor, now))
    if _holds(actor, call, now):
        return call
    if not _take(actor, call.pk, now):
        raise CrisisError(
            "another caller has this call, or it is not due yet", status=409, field="call"
        )
    return Call.objects.get(pk=call.pk)


def release(*, actor: Actor, call_id) -> None:
    Call.objects.filter(pk=call_id, claim_holder=actor.label).update(
        claim_holder="", claimed_by=None, claim_expires_at=None
    )


def next_call(*, actor: Actor, activation_id) -> Call | None:
    """The caller's next call, claimed for them: the one they already hold, else the most
    urgent of the due written calls and the next entry of the list (see the module's doc)."""
    activation = Activation.objects.filter(pk=activation_id).first()
    if activation is None or not may_call(actor, activation):
        raise NotFound(activation_id)
    if not activation.is_open:
        return None
    now = timezone.now()
    held = Call.objects.filter(
        activation=activation, status="pending", claim_holder=actor.label, claim_expires_at__gte=now
    ).first()
    if held is not None:
        return held
    if activation.calls_built_at is None:  # the queued build has not run yet: do it now
        build_call_list(activation_id=activation.pk)
    visits_only = intervening(actor, activation)  # home-visit services: visit steps only
    while True:  # each turn returns or hands out one entry of the list
        head = None if visits_only else call_list.head(activation.pk)
        call = _pick(actor, activation, now, visits_only, head)
        if call is not None or head is None:
            return call
        call, mine = call_entries.write_next(activation, _claim_fields(actor, now))
        if call is not None and (mine or _take(actor, call.pk, now)):
            return Call.objects.get(pk=call.pk)


def _pick(actor: Actor, activation: Activation, now, visits_only: bool, head) -> Call | None:
    """Claim the most urgent due written call that comes before ``head`` (the next entry of the
    list, if any) in call order (priority, then rank)."""
    queue = (
        Call.objects.filter(activation=activation)
        .filter(_claimable(now) & _free(now))
        .filter(Q(step__in=VISIT_STEPS) if visits_only else Q())
        .order_by("-priority", "rank")
    )
    if head is not None:
        queue = queue.filter(
            Q(priority__gt=head.priority) | Q(priority=head.priority, rank__lt=head.rank)
        )
    if connection.vendor == "postgresql":
        with transaction.atomic():
            picked = queue.select_for_update(skip_locked=True, of=("self",)).values_list(
                "pk", flat=True
            )[:1]
            for call_id in picked:
                if _take(actor, call_id, now):
                    return Call.objects.get(pk=call_id)
        return None
    for call_id in queue.values_list("pk", flat=True)[:50]:
        if _take(actor, call_id, now):
            return Call.objects.get(pk=call_id)
    return None


# --- Outcomes ---------------------------------------------------------------------------------


@transaction.atomic
def record_outcome(
    *, actor: Actor, call_id, outcome: str, need_action: str = "", request_id: str = ""
) -> Call:
    """Record what came of the call's current step (the caller must hold the call, or nobody
    must: a partner client records without claiming)."""
    found = call_entries.find_call(call_id)
    if found is None or not may_call(actor, found.activation):
        raise NotFound(call_id)
    if found._state.adding:  # an entry not written yet: its row now (undone on any error)
        found = call_entries.write(found)
    call = (
        Call.objects.select_for_update(of=("self",))
        .select_related("activation", "registration__organization")
        .get(pk=found.pk)
    )
    if intervening(actor, call.activation) and call.step not in VISIT_STEPS:
        raise NotFound(call_id)
    if not call.activation.is_open:
        raise CrisisError("the plan is closed", status=409, field="activation")
    now = timezone.now()
    if call.status != "pending":
        raise CrisisError("this call is finished", status=409, field="call")
    held_by_other = (
        call.claim_holder
        and call.claim_holder != actor.label
        and call.claim_expires_at
        and call.claim_expires_at >= now
    )
    if held_by_other:
        raise CrisisError("another caller has this call", status=409, field="call")
    if outcome not in Outcome.values:
        raise CrisisError(f"one of: {', '.join(Outcome.values)}", field="outcome")
    if outcome == Outcome.NEED and need_action not in NeedAction.values:
        raise CrisisError(
            f"a reported need says what follows: {', '.join(NeedAction.values)}",
            field="need_action",
        )
    if outcome != Outcome.NEED and need_action:
        raise CrisisError("only with the outcome 'need'", field="need_action")
    try:
        following = steps.after(
            step=call.step,
            attempts=call.attempts,
            first_attempt_at=call.first_attempt_at,
            outcome=outcome,
            has_contact=bool(call.registration.contact_phone),
            now=now,
            rules=rules(),
        )
    except ValueError:
        raise CrisisError(f"not an outcome of the step {call.step!r}", field="outcome") from None
    CallAttempt.objects.create(
        call=call,
        step=call.step,
        outcome=outcome,
        need_action=need_action,
        by_user_id=actor.user_id,
        by_label=actor.label,
        at=now,
    )
    escalating = following.step == Step.ESCALATION and call.step != Step.ESCALATION
    call.first_attempt_at = call.first_attempt_at or now
    call.step = following.step
    call.status = following.status
    call.attempts = following.attempts
    call.total_attempts = F("total_attempts") + 1
    call.next_attempt_at = following.next_attempt_at
    call.last_outcome = outcome
    call.need_action = need_action
    call.version = F("version") + 1
    call.claim_holder, call.claimed_by, call.claim_expires_at = "", None, None
    call.closed_at = None if following.status == "pending" else now
    call.save()
    call.refresh_from_db(fields=["total_attempts", "version"])
    if following.status in ("reached", "need"):
        Beneficiary.objects.filter(pk=call.registration.beneficiary_id).update(last_contact_at=now)
    if outcome in steps.ATTENTION:
        Registration.objects.filter(pk=call.registration_id).update(
            attention=Least(F("attention") + steps.ATTENTION[outcome], Value(100))
        )
    log_access(
        actor=actor,
        action="write",
        resource="crisis_call",
        decision="allow",
        beneficiary_id=call.registration.beneficiary_id,
        categories=["situation"],
        purpose=Purpose.CRISIS_PLAN,
        basis=Basis.LEGAL_OBLIGATION,
        grant_id=call.registration.grant_id,
        request_id=request_id,
    )
    # The commune's events (its feed, its webhooks, the territory's crisis indicators): every
    # outcome, and escalations and reported needs on their own. They name the register's entry
    # and its commune, not the golden record (whom the commune may not see outside the plan).
    about = {"organization_id": call.activation.organization_id, "subject_id": call.pk}
    data = {
        "activation": str(call.activation_id),
        "call": str(call.pk),
        "registration": str(call.registration_id),
        "step": call.step,
        "commune": call.registration.commune_code(),
    }
    emit(
        type="crisis.call_recorded",
        data={**data, "outcome": outcome, "reached": following.status in ("reached", "need")},
        **about,
    )
    if escalating or outcome in (Outcome.NEED, Outcome.ESCALATED):
        emit(
            type="crisis.call_escalated"
            if escalating or outcome == Outcome.ESCALATED
            else "crisis.need_reported",
            data=data,
            **about,
        )
    return call


# --- The live view ----------------------------------------------------------------------------


def campaign_stats(activation: Activation) -> dict:
    """Counts of the campaign (no person); the entries not written yet are pending calls."""
    calls = Call.objects.filter(activation=activation)
    unwritten = call_entries.unwritten(activation)
    if unwritten is None:  # no list yet: everyone is to be called (once the build has run)
        listing = activation.calls_built_at is None and activation.is_open
        unwritten = call_list_rows(activation).order_by().count() if listing else 0
    counts = calls.aggregate(
        total=Count("id"),
        reached=Count("id", filter=Q(status="reached")),
        need=Count("id", filter=Q(status="need")),
        pending=Count("id", filter=Q(status="pending") & ~Q(step=Step.ESCALATION)),
        escalated=Count(
            "id", filter=Q(status="escalated") | Q(status="pending", step=Step.ESCALATION)
        ),
        closed=Count("id", filter=Q(status="closed")),
        in_progress=Count("id", filter=Q(status="pending") & ~Q(claim_holder="")),
    )
    counts["total"] += unwritten
    counts["pending"] += unwritten
    counts["by_step"] = dict(
        calls.filter(status="pending").values_list("step").annotate(n=Count("id")).order_by()
    )
    if unwritten:
        counts["by_step"][Step.CALL] = counts["by_step"].get(Step.CALL, 0) + unwritten
    return counts
