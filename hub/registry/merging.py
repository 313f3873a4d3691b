"""Merges are links, never deletions: ``merge`` sets ``merged_into``, ``unmerge`` clears it.

Each decision is kept (who, when, score, explanation, the state before). Records, cases and
grants stay attached to the beneficiary they were made for, so undoing a merge gives back exactly
the partition of records that existed before it, whatever the records became in between; golden
fields are recomputed from the records of each side.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from hub.registry.golden import GOLDEN_FIELDS
from hub.registry.models import Beneficiary, BeneficiaryStatus, Merge, ReviewItem, ReviewStatus
from hub.registry.services import refresh_golden


class MergeError(ValueError):
    pass


def _snapshot(beneficiary: Beneficiary) -> dict:
    data = {name: getattr(beneficiary, name) for name in GOLDEN_FIELDS}
    data["status"] = beneficiary.status
    data["merged_into"] = str(beneficiary.merged_into_id or "")
    data["records"] = sorted(str(pk) for pk in beneficiary.records.values_list("id", flat=True))
    return data


def _locked(*ids) -> dict:
    rows = Beneficiary.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {row.pk: row for row in rows}


def merge(
    *,
    source_id,
    target_id,
    by=None,
    review_item: ReviewItem | None = None,
    score=None,
    explanation=None,
) -> Merge:
    """Merge ``source`` into ``target`` (both must be active roots)."""
    try:
        source_id, target_id = uuid.UUID(str(source_id)), uuid.UUID(str(target_id))
    except ValueError:
        raise MergeError("unknown person") from None
    if source_id == target_id:
        raise MergeError("a person cannot be merged into itself")
    with transaction.atomic():
        rows = _locked(source_id, target_id)
        source, target = rows.get(source_id), rows.get(target_id)
        if source is None or target is None:
            raise MergeError("unknown person")
        for row in (source, target):
            if row.status != BeneficiaryStatus.ACTIVE or row.merged_into_id:
                raise MergeError(f"{row} is not an active person (already merged or anonymised)")
        before = {"source": _snapshot(source), "target": _snapshot(target)}
        source.merged_into = target
        source.status = BeneficiaryStatus.MERGED
        source.save(update_fields=["merged_into", "status", "updated_at"])
        refresh_golden(target)
        if review_item is not None:
            review_item.status = ReviewStatus.MERGED
            review_item.decided_by = by
            review_item.decided_at = timezone.now()
            review_item.save(update_fields=["status", "decided_by", "decided_at"])
            score = review_item.score if score is None else score
            explanation = review_item.explanation if explanation is None else explanation
        return Merge.objects.create(
            source=source,
            target=target,
            review_item=review_item,
            score=score,
            explanation=explanation or [],
            before=before,
            merged_by=by,
        )


def unmerge(*, merge_id, by=None) -> Merge:
    with transaction.atomic():
        record = Merge.objects.select_for_update().get(pk=merge_id)
        if record.unmerged_at is not None:
            raise MergeError("this merge has already been undone")
        rows = _locked(record.source_id, record.target_id)
        source, target = rows[record.source_id], rows[record.target_id]
        if source.merged_into_id != target.pk:
            raise MergeError("the person is no longer merged into the same target")
        source.merged_into = None
        source.status = BeneficiaryStatus.ACTIVE
        source.save(update_fields=["merged_into", "status", "updated_at"])
        refresh_golden(source)
        refresh_golden(target)
        if record.review_item_id:
            ReviewItem.objects.filter(pk=record.review_item_id).update(
                status=ReviewStatus.PENDING, decided_by=None, decided_at=None
            )
        record.unmerged_at = timezone.now()
        record.unmerged_by = by
        record.save(update_fields=["unmerged_at", "unmerged_by"])
        return record


def decide_review(*, review_item: ReviewItem, status: str, by=None) -> ReviewItem:
    """Record *not the same person* (never proposed again) or *later* for a review item."""
    if status not in (ReviewStatus.DISTINCT, ReviewStatus.LATER):
        raise MergeError("use merge() for 'same person'")
    review_item.status = status
    review_item.decided_by = by
    review_item.decided_at = timezone.now()
    review_item.save(update_fields=["status", "decided_by", "decided_at"])
    return review_item
