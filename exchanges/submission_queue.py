"""The worker's side of the citizen portal: the queue, the match candidates, confirm and reject.

A submission is handled only by a member of the organization the citizen chose, in a role that
handles that kind (help requests: social workers, coordinators, administrators; crisis
registrations: the agents named by the mayor, administrators). Anyone else gets ``NotFound``,
as for a submission that does not exist.

Candidates are computed exactly as the API's ``$match``: among the persons the worker may
identify (``consent.gate.identifiable``), each compared only on what the worker may see of it;
nobody else is ever a candidate. Confirming a help request creates the organization's partner
record through ``exchanges.records.submit_record`` (the API's service: matching, review items,
golden record, audit row, events), turns the consents into grants, and optionally opens a case
of the need's type. A crisis registration is confirmed by ``crisis.portal_intake``, which calls
``claim`` and ``mark_handled`` here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consent import gate, portal
from consent.audit import log_access
from consent.vocab import Basis, Category
from exchanges import cases, merges, portal_messages
from exchanges.models import PortalSubmission, SubmissionKind, SubmissionStatus
from exchanges.records import submit_record
from exchanges.submissions import RESOURCE, SubmissionError, erase, portal_actor
from hub.outbox.emit import emit
from hub.registry import intake
from hub.registry.actors import Actor
from hub.registry.intake import MatchOutcome
from hub.registry.models import Membership, ReviewItem, Role

HANDLERS = {
    SubmissionKind.HELP: frozenset({Role.AGENT, Role.COORDINATOR, Role.ADMIN}),
    SubmissionKind.CRISIS_REGISTRATION: frozenset({Role.CRISIS_AGENT, Role.ADMIN}),
}
MATCH_PURPOSE = "identification"
MAX_CANDIDATES = 5


class NotFound(LookupError):
    """Absent, or not this worker's to handle (faces answer 404 either way)."""


def handled_kinds(user) -> Q:
    """The submissions ``user`` may handle: per organization, the kinds its role there handles."""
    if user.is_superuser:
        return Q()
    memberships = Membership.objects.filter(
        user=user, is_active=True, organization__is_active=True
    ).values_list("organization_id", "role")
    allowed = Q(pk__in=[])
    for organization_id, role in memberships:
        kinds = [kind for kind, roles in HANDLERS.items() if role in roles]
        if kinds:
            allowed |= Q(organization_id=organization_id, kind__in=kinds)
    return allowed


def queue_for(user):
    """Submissions ``user`` may see in the queue (metadata; the person through ``show``)."""
    if not (user.is_active and user.is_staff):
        return PortalSubmission.objects.none()
    return PortalSubmission.objects.filter(handled_kinds(user))


def _may_handle(actor: Actor, submission: PortalSubmission) -> bool:
    if actor.is_superuser:
        return True
    return submission.organization_id in actor.organization_ids and bool(
        HANDLERS[submission.kind].intersection(actor.roles)
    )


def acting_for(actor: Actor, submission: PortalSubmission) -> Actor:
    """The worker acting for the organization the citizen chose (written in audit rows)."""
    organization_ids = tuple(dict.fromkeys((submission.organization_id, *actor.organization_ids)))
    return dataclasses.replace(
        actor, organization_id=submission.organization_id, organization_ids=organization_ids
    )


def claim(*, actor: Actor, submission_id, kind: str) -> PortalSubmission:
    """The pending submission, locked, if ``actor`` may handle it (inside a transaction)."""
    submission = (
        PortalSubmission.objects.select_for_update()
        .filter(pk=submission_id, kind=kind)
        .select_related("organization")
        .first()
    )
    if submission is None or not _may_handle(actor, submission):
        raise NotFound(submission_id)
    if submission.status != SubmissionStatus.PENDING:
        raise SubmissionError([{"field": "status", "message": "Cette demande a déjà été traitée."}])
    return submission


def candidates(actor: Actor, submission: PortalSubmission) -> list:
    """``[(Candidate, PersonView)]``: persons like the submitted one that the worker may
    identify, best first (nothing about anyone else)."""
    if not submission.person:
        return []
    actor = acting_for(actor, submission)
    prepared = intake.prepared_for("portal", submission.person, "")
    found = intake.score_candidates(
        prepared,
        intake.matching.blocking_keys(prepared),
        restrict_to=gate.identifiable(actor),
        reveal=lambda roots: gate.reveal_for(actor, roots, purpose=MATCH_PURPOSE),
    )
    found = [c for c in found if c.grade][:MAX_CANDIDATES]
    shown = gate.views(actor, [c.beneficiary_id for c in found], purpose=MATCH_PURPOSE)
    return [(c, shown[c.beneficiary_id]) for c in found if c.beneficiary_id in shown]


def show(*, actor: Actor, submission: PortalSubmission, request_id: str = "") -> list:
    """The submission page: its access row, and the candidates with theirs."""
    found = candidates(actor, submission)
    acting = acting_for(actor, submission)
    log_access(
        actor=acting,
        action="read",
        resource=RESOURCE,
        decision="allow",
        beneficiary_id=submission.beneficiary_id,
        categories=[Category.IDENTITY, Category.CONTACT, Category.SITUATION],
        basis=Basis.CONSENT if submission.kind == SubmissionKind.HELP else Basis.LEGAL_OBLIGATION,
        request_id=request_id,
    )
    gate.log(
        acting,
        [view for _candidate, view in found],
        action="search",
        resource="portal_candidates",
        purpose=MATCH_PURPOSE,
        request_id=request_id,
    )
    return found


def mark_handled(
    *,
    actor: Actor,
    submission: PortalSubmission,
    status: str,
    beneficiary_id,
    outcome: str,
    record=None,
    registration_id=None,
    request_id: str = "",
) -> PortalSubmission:
    """Record the confirmation (access row and event for the organization)."""
    submission.status = status
    submission.beneficiary_id = beneficiary_id
    submission.record = record
    submission.registration_id = registration_id
    submission.outcome = outcome
    submission.handled_by_id = actor.user_id
    submission.handled_at = timezone.now()
    submission.save()
    log_access(
        actor=actor,
        action="confirm",
        resource=RESOURCE,
        decision="allow",
        beneficiary_id=beneficiary_id,
        categories=[Category.IDENTITY, Category.CONTACT, Category.SITUATION],
        basis=Basis.OWN_RECORD if record is not None else Basis.LEGAL_OBLIGATION,
        request_id=request_id,
    )
    emit(
        type="portal.submission_confirmed",
        organization_id=submission.organization_id,
        beneficiary_id=beneficiary_id,
        subject_id=submission.pk,
        data={"submission": str(submission.pk), "kind": submission.kind, "status": status},
    )
    return submission


def _review_item(a, b):
    first, second = sorted([a, b], key=str)
    return ReviewItem.objects.filter(beneficiary_a_id=first, beneficiary_b_id=second).first()


def confirm_help(
    *,
    actor: Actor,
    submission_id,
    beneficiary_id=None,
    open_case: bool = False,
    user=None,
    request_id: str = "",
) -> PortalSubmission:
    """Confirm a help request as a new person (``beneficiary_id`` None) or linked to one of the
    candidates. Nothing is written if anything fails."""
    with transaction.atomic():
        submission = claim(actor=actor, submission_id=submission_id, kind=SubmissionKind.HELP)
        acting = acting_for(actor, submission)
        if beneficiary_id is not None:
            offered = {str(c.beneficiary_id) for c, _view in candidates(actor, submission)}
            if str(beneficiary_id) not in offered:
                raise SubmissionError(
                    [
                        {
                            "field": "beneficiary",
                            "message": "Cette personne ne fait pas partie des "
                            "rapprochements proposés.",
                        }
                    ]
                )
        result = submit_record(
            actor=acting,
            external_id=f"portail-{submission.reference}",
            payload=submission.person,
            request_id=request_id,
        )
        person = result.record.beneficiary_id
        # A certain match to a person the worker could not see before reads as a new person:
        # linking discloses nothing by itself (as the API's outcome, exchanges.records).
        linked = result.outcome == MatchOutcome.LINKED and bool(result.known_before)
        if beneficiary_id is not None and str(person) != str(beneficiary_id):
            if result.outcome == MatchOutcome.LINKED:
                raise SubmissionError(
                    [
                        {
                            "field": "beneficiary",
                            "message": "Le rattachement à cette personne n'a pas pu être "
                            "fait : confirmez la demande comme nouvelle personne, la file de "
                            "revue des doublons proposera le rapprochement.",
                        }
                    ]
                )
            merges.merge_beneficiaries(
                actor=acting,
                source_id=person,
                target_id=beneficiary_id,
                user=user,
                review_item=_review_item(person, beneficiary_id),
                request_id=request_id,
            )
            person, linked = uuid.UUID(str(beneficiary_id)), True
        portal.grant_consents(
            actor=acting,
            submission_id=submission.pk,
            beneficiary_id=person,
            collected_by_name=f"Portail citoyen (demande {submission.reference})",
            request_id=request_id,
        )
        if open_case:
            try:
                cases.open_case(
                    actor=acting,
                    beneficiary_id=person,
                    type=submission.details.get("need", ""),
                    request_id=request_id,
                )
            except cases.CaseError as exc:
                raise SubmissionError([{"field": "open_case", "message": str(exc)}]) from exc
        status = SubmissionStatus.LINKED if linked else SubmissionStatus.CONFIRMED
        return mark_handled(
            actor=acting,
            submission=submission,
            status=status,
            beneficiary_id=person,
            record=result.record,
            outcome=str(SubmissionStatus(status).label),
            request_id=request_id,
        )


def reject(*, actor: Actor, submission_id, kind: str, reason: str, request_id: str = "") -> None:
    """Reject with a reason: what the person typed is erased, the consents void."""
    reason = (reason or "").strip()
    if not reason:
        raise SubmissionError([{"field": "reason", "message": "Indiquez le motif du rejet."}])
    if len(reason) > 1000:
        raise SubmissionError([{"field": "reason", "message": "1000 caractères au plus."}])
    with transaction.atomic():
        submission = claim(actor=actor, submission_id=submission_id, kind=kind)
        acting = acting_for(actor, submission)
        portal_messages.send_rejection(submission)  # before the erasure: it needs the address
        erase(
            submission,
            status=SubmissionStatus.REJECTED,
            outcome=f"Rejetée : {reason}",
            user_id=actor.user_id,
        )
        log_access(
            actor=acting,
            action="reject",
            resource=RESOURCE,
            decision="allow",
            request_id=request_id,
        )
        emit(
            type="portal.submission_rejected",
            organization_id=submission.organization_id,
            subject_id=submission.pk,
            data={"submission": str(submission.pk), "kind": submission.kind},
        )


STALE_OUTCOME = "Sans suite : demande non traitée dans le délai de conservation ({days} jours)."


def close_stale(*, now=None, limit: int = 500) -> int:
    """Pending submissions older than ``PORTAL_PENDING_DAYS``: what the person typed is erased
    and the submission closed, with its access row and event (beat; safe to run twice)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PORTAL_PENDING_DAYS)
    count = 0
    with transaction.atomic():
        stale = (
            PortalSubmission.objects.select_for_update(skip_locked=True)
            .filter(status=SubmissionStatus.PENDING, created_at__lt=cutoff)
            .order_by("created_at")[:limit]
        )
        for submission in stale:
            portal_messages.send_rejection(submission, stale=True)
            erase(
                submission,
                status=SubmissionStatus.REJECTED,
                outcome=STALE_OUTCOME.format(days=settings.PORTAL_PENDING_DAYS),
            )
            log_access(
                actor=portal_actor(submission.organization_id),
                action="erase",
                resource=RESOURCE,
                decision="allow",
                purpose="retention",
            )
            emit(
                type="portal.submission_rejected",
                organization_id=submission.organization_id,
                subject_id=submission.pk,
                data={"submission": str(submission.pk), "kind": submission.kind, "stale": True},
            )
            count += 1
    return count
