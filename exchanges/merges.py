"""Merge, unmerge and review decisions, with their audit rows and outbox events in the same
transaction. The admin's review queue and merge history write through these services only."""

from __future__ import annotations

from django.db import transaction

from consent.audit import log_access
from consent.policy import Category
from hub.outbox.emit import emit
from hub.registry import merging
from hub.registry.actors import Actor
from hub.registry.models import Merge, ReviewItem, ReviewStatus

PURPOSE = "deduplication"
BASIS = "identity_management"


def merge_beneficiaries(
    *,
    actor: Actor,
    source_id,
    target_id,
    user=None,
    review_item: ReviewItem | None = None,
    request_id="",
) -> Merge:
    with transaction.atomic():
        done = merging.merge(
            source_id=source_id, target_id=target_id, by=user, review_item=review_item
        )
        for beneficiary_id in (source_id, target_id):
            log_access(
                actor=actor,
                action="merge",
                resource="beneficiary",
                decision="allow",
                beneficiary_id=beneficiary_id,
                categories=[Category.IDENTITY],
                purpose=PURPOSE,
                basis=BASIS,
                request_id=request_id,
            )
        emit(
            type="beneficiary.merged",
            beneficiary_id=target_id,
            subject_id=target_id,
            data={"source": str(source_id), "target": str(target_id), "merge": str(done.pk)},
        )
        if review_item is not None:
            _review_event(actor, review_item)
        return done


def unmerge_beneficiaries(*, actor: Actor, merge_id, user=None, request_id="") -> Merge:
    with transaction.atomic():
        done = merging.unmerge(merge_id=merge_id, by=user)
        for beneficiary_id in (done.source_id, done.target_id):
            log_access(
                actor=actor,
                action="unmerge",
                resource="beneficiary",
                decision="allow",
                beneficiary_id=beneficiary_id,
                categories=[Category.IDENTITY],
                purpose=PURPOSE,
                basis=BASIS,
                request_id=request_id,
            )
        emit(
            type="beneficiary.unmerged",
            beneficiary_id=done.target_id,
            subject_id=done.target_id,
            data={
                "source": str(done.source_id),
                "target": str(done.target_id),
                "merge": str(done.pk),
            },
        )
        return done


def _review_event(actor: Actor, review_item: ReviewItem) -> None:
    emit(
        type="review.decided",
        organization_id=actor.organization_id,
        subject_id=review_item.pk,
        data={
            "review_item": str(review_item.pk),
            "status": review_item.status,
            "beneficiary_a": str(review_item.beneficiary_a_id),
            "beneficiary_b": str(review_item.beneficiary_b_id),
        },
    )


def decide_review_item(
    *, actor: Actor, review_item: ReviewItem, status: str, user=None, request_id=""
) -> ReviewItem:
    """*Personnes différentes* (never proposed again) or *Plus tard* for a review item, with
    one access-log row per person of the pair and a ``review.decided`` event."""
    if status not in (ReviewStatus.DISTINCT, ReviewStatus.LATER):
        raise merging.MergeError("use merge_beneficiaries() for 'same person'")
    with transaction.atomic():
        decided = merging.decide_review(review_item=review_item, status=status, by=user)
        for beneficiary_id in (decided.beneficiary_a_id, decided.beneficiary_b_id):
            log_access(
                actor=actor,
                action="review",
                resource="review_item",
                decision="allow",
                beneficiary_id=beneficiary_id,
                categories=[Category.IDENTITY],
                purpose=PURPOSE,
                basis=BASIS,
                request_id=request_id,
            )
        _review_event(actor, decided)
        return decided
