"""Referrals (orientations): sent → accepted | declined; accepted → completed; sent|accepted → cancelled.

Disclosure basis
----------------
Sending a referral discloses the person to the receiving organization, so the sender must see
the person and the policy must allow the *receiver* to see them for the purpose ``referral``:
we build an ``Actor`` for the receiving organization and ask ``consent.policy.decide`` for the
purpose of the support sought (food aid, shelter, ...; coordination otherwise). When no
basis exists the request is refused (422, field ``receiver``) and the sender is told to record
the person's consent (or the applicable legal basis) as a grant first. We ask the policy rather
than letting the sender implicitly create a grant: a disclosure basis is a decision the person
(or the law) makes, recorded with its evidence in the consent ledger, not a side effect of a
referral. The basis and grant that allowed the disclosure are stored on the referral and in the
access log.

Acceptance opens a case for the receiver (with overlap detection).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consent.audit import log_access
from consent.policy import Category
from exchanges.cases import (
    CaseError,
    actor_for_organization,
    decide_for_type,
    open_case,
    visible_beneficiary,
)
from exchanges.models import (
    CaseType,
    DeclineReason,
    Referral,
    ReferralStatus,
    ReferralStep,
)
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from hub.registry.models import Organization

PURPOSE = "coordination"  # the purpose recorded in the access log for referral work
NO_BASIS = (
    "No legal basis or consent lets the receiving organization see this person. Record the "
    "person's consent to this referral (or the applicable legal basis) as a grant first."
)

# Who may do what, from which status.
TRANSITIONS = {
    "accept": ("receiver", (ReferralStatus.SENT,), ReferralStatus.ACCEPTED),
    "decline": ("receiver", (ReferralStatus.SENT,), ReferralStatus.DECLINED),
    "complete": ("receiver", (ReferralStatus.ACCEPTED,), ReferralStatus.COMPLETED),
    "cancel": ("sender", (ReferralStatus.SENT, ReferralStatus.ACCEPTED), ReferralStatus.CANCELLED),
}


class ReferralConflict(Exception):
    """The transition is not possible from the referral's current status (409)."""


def referrals_for(actor: Actor):
    """Referrals sent or received by the actor's organizations."""
    if actor.is_superuser:
        return Referral.objects.all()
    orgs = list(actor.organization_ids)
    return Referral.objects.filter(Q(sender_id__in=orgs) | Q(receiver_id__in=orgs))


def _event(referral: Referral, type: str, **data) -> None:
    emit(
        type=type,
        organization_id=referral.sender_id,
        recipient_organization_id=referral.receiver_id,
        beneficiary_id=referral.beneficiary_id,
        subject_id=referral.pk,
        data={"referral": str(referral.pk), "status": referral.status, **data},
    )


def send_referral(
    *,
    actor: Actor,
    beneficiary_id,
    receiver_id,
    case_type: str,
    message: str = "",
    sender_id=None,
    request_id: str = "",
) -> Referral:
    sender_id = sender_id or actor.organization_id
    if sender_id not in actor.organization_ids and not actor.is_superuser:
        raise CaseError("sender", "you do not act for this organization", 403)
    if case_type not in CaseType.values:
        raise CaseError("case_type", f"unknown case type; one of: {', '.join(CaseType.values)}")
    # The person first: a caller that may not see them learns nothing about the receiver id.
    beneficiary = visible_beneficiary(actor, beneficiary_id)
    if beneficiary is None or not decide_for_type(actor, beneficiary, case_type).allowed:
        raise CaseError("beneficiary", "unknown beneficiary")
    receiver = Organization.objects.filter(pk=receiver_id, is_active=True).first()
    if receiver is None:
        raise CaseError("receiver", "unknown organization")
    if receiver.pk == sender_id:
        raise CaseError("receiver", "an organization cannot refer a person to itself")
    disclosure = decide_for_type(
        actor_for_organization(receiver.pk),
        beneficiary,
        case_type,
        categories=[Category.IDENTITY, Category.CONTACT],
    )
    if not disclosure.allowed:
        raise CaseError("receiver", NO_BASIS, 422)
    with transaction.atomic():
        referral = Referral.objects.create(
            beneficiary=beneficiary,
            sender_id=sender_id,
            receiver=receiver,
            case_type=case_type,
            message=message,
            basis=disclosure.basis,
            grant_id=disclosure.grant_id,
        )
        ReferralStep.objects.create(
            referral=referral, status=referral.status, organization_id=sender_id, comment=message
        )
        log_access(
            actor=actor,
            action="disclose",
            resource="referral",
            decision="allow",
            beneficiary_id=beneficiary.pk,
            categories=disclosure.categories,
            purpose=PURPOSE,
            basis=disclosure.basis,
            grant_id=disclosure.grant_id,
            request_id=request_id,
        )
        _event(referral, "referral.sent", case_type=case_type)
    return referral


def transition(
    *,
    actor: Actor,
    referral_id,
    action: str,
    comment: str = "",
    reason: str = "",
    referent: str = "",
    request_id: str = "",
) -> Referral:
    """Apply ``action`` (accept, decline, complete, cancel). Raises Referral.DoesNotExist when
    the actor's organizations are neither side, PermissionError when it is the wrong side,
    ReferralConflict from the wrong status and CaseError for bad input."""
    side, sources, target = TRANSITIONS[action]
    if action == "decline":
        if reason not in DeclineReason.values:
            raise CaseError("reason", f"one of: {', '.join(DeclineReason.values)}")
        if reason == DeclineReason.OTHER and not comment.strip():
            raise CaseError("comment", "explain the reason when it is 'other'")
    with transaction.atomic():
        referral = referrals_for(actor).select_for_update().filter(pk=referral_id).first()
        if referral is None:
            raise Referral.DoesNotExist
        acting_org = referral.receiver_id if side == "receiver" else referral.sender_id
        if acting_org not in actor.organization_ids and not actor.is_superuser:
            raise PermissionError(f"only the {side} may {action} this referral")
        if referral.status not in sources:
            raise ReferralConflict(
                f"cannot {action} a referral that is {referral.status}"
                f" (allowed from: {', '.join(sources)})"
            )
        now = timezone.now()
        referral.status = target
        referral.version += 1
        if action in ("accept", "decline"):
            referral.answered_at = now
        if action == "decline":
            referral.decline_reason = reason
            referral.decline_comment = comment
        if action in ("complete", "cancel", "decline"):
            referral.closed_at = now
        referral.save()
        ReferralStep.objects.create(
            referral=referral, status=target, organization_id=acting_org, comment=comment
        )
        case_id = None
        if action == "accept":
            receiver_actor = Actor(
                organization_id=acting_org,
                organization_ids=(acting_org,),
                client_id=actor.client_id,
                user_id=actor.user_id,
                is_superuser=actor.is_superuser,
            )
            result = open_case(
                actor=receiver_actor,
                beneficiary_id=referral.beneficiary_id,
                type=referral.case_type,
                referent=referent,
                referral=referral,
                request_id=request_id,
            )
            case_id = str(result.case.pk)
        else:
            log_access(
                actor=actor,
                action="write",
                resource="referral",
                decision="allow",
                beneficiary_id=referral.beneficiary_id,
                categories=[Category.SUPPORT_HISTORY],
                purpose=PURPOSE,
                basis=referral.basis,
                grant_id=referral.grant_id,
                request_id=request_id,
            )
        extra = {"case": case_id} if case_id else {}
        if action == "decline":
            extra["reason"] = reason
        _event(referral, f"referral.{target}", **extra)
    return referral


def remind_unanswered(*, now=None) -> int:
    """Remind receivers of referrals left unanswered. Safe to run twice (conditional update)."""
    now = now or timezone.now()
    delay = timedelta(days=settings.REFERRAL_REMINDER_DAYS)
    due = Referral.objects.filter(status=ReferralStatus.SENT, sent_at__lte=now - delay).filter(
        Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - delay)
    )
    count = 0
    for referral_id in due.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            referral = due.select_for_update(skip_locked=True).filter(pk=referral_id).first()
            if referral is None:
                continue
            referral.reminded_at = now
            referral.reminder_count += 1
            referral.save(update_fields=["reminded_at", "reminder_count"])
            _event(referral, "referral.reminder", reminder=referral.reminder_count)
            count += 1
    return count
