"""Merge and unmerge persons, with the audit row and the outbox event in the same transaction."""

from __future__ import annotations

from django.db import transaction

from consent.audit import log_access
from consent.policy import Category
from hub.outbox.emit import emit
from hub.registry import merging
from hub.registry.actors import Actor
from hub.registry.models import Merge, ReviewItem


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
                purpose="deduplication",
                basis="identity_management",
                request_id=request_id,
            )
        emit(
            type="beneficiary.merged",
            beneficiary_id=target_id,
            subject_id=target_id,
            data={"source": str(source_id), "target": str(target_id), "merge": str(done.pk)},
        )
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
                purpose="deduplication",
                basis="identity_management",
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
