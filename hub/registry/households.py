"""Writes of households and their members, each with its outbox event in the transaction.

The caller (a face) writes the access-log rows of the persons it touched in the same
transaction. Events carry ids only.
"""

from __future__ import annotations

from django.db import transaction

from hub.outbox.emit import emit
from hub.registry.models import Household, HouseholdMember


def save_household(*, household: Household, created: bool) -> Household:
    with transaction.atomic():
        household.save()
        emit(
            type="household.created" if created else "household.updated",
            organization_id=household.created_by_id,
            subject_id=household.pk,
            data={"household": str(household.pk)},
        )
    return household


def save_members(
    *, household: Household, saved: list[HouseholdMember], deleted: list[HouseholdMember]
) -> None:
    """Save and delete members of ``household`` (one event when anything changed)."""
    if not saved and not deleted:
        return
    with transaction.atomic():
        removed = [str(member.beneficiary_id) for member in deleted]
        for member in deleted:
            member.delete()
        for member in saved:
            member.household = household
            member.save()
        emit(
            type="household.members_changed",
            organization_id=household.created_by_id,
            subject_id=household.pk,
            data={
                "household": str(household.pk),
                "saved": [str(member.beneficiary_id) for member in saved],
                "removed": removed,
            },
        )


def delete_household(*, household: Household) -> list:
    """Delete a household and its members; answers the ids of the persons it held."""
    with transaction.atomic():
        members = list(household.members.values_list("beneficiary_id", flat=True))
        pk, organization_id = household.pk, household.created_by_id
        household.delete()
        emit(
            type="household.deleted",
            organization_id=organization_id,
            subject_id=pk,
            data={"household": str(pk), "removed": [str(m) for m in members]},
        )
    return members
