"""Cooled rooms, emergency shelters, distribution points and transports: capacity and
occupancy per day; a caller books a place (or a transport) for a person they are calling."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from consent.audit import log_access
from crisis import call_entries, callers
from crisis.errors import CrisisError, NotFound
from crisis.models import Booking, Resource
from hub.outbox.emit import emit
from hub.registry.actors import Actor


def resources_for(actor: Actor, day: dt.date | None = None):
    """Open resources of the actor's communes with their occupancy on ``day`` (today)."""
    day = day or timezone.localdate()
    rows = Resource.objects.filter(is_open=True)
    if not actor.is_superuser:
        rows = rows.filter(organization_id__in=actor.organization_ids)
    return rows.annotate(occupied=Count("bookings", filter=Q(bookings__day=day))).order_by(
        "kind", "name"
    )


@transaction.atomic
def book(*, actor: Actor, resource_id, call_id, day: dt.date, request_id: str = "") -> Booking:
    """Book a place for the person of ``call_id`` (a call the actor may take, of an open plan)."""
    call = call_entries.find_call(call_id) if call_id else None
    if call is None or not callers.may_call(actor, call.activation):
        raise NotFound(call_id)
    if not call.activation.is_open:
        raise CrisisError("the plan is closed", status=409, field="activation")
    resource = (
        Resource.objects.select_for_update()
        .filter(pk=resource_id, organization_id=call.activation.organization_id, is_open=True)
        .first()
    )
    if resource is None:
        raise CrisisError("no such open resource of this commune", field="resource")
    if day < timezone.localdate():
        raise CrisisError("the day is past", field="day")
    occupied = Booking.objects.filter(resource=resource, day=day).count()
    if occupied >= resource.capacity:
        raise CrisisError("no place left that day", status=409, field="resource")
    call = call_entries.write(call)  # an entry not written yet gets its row (undone on error)
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                resource=resource,
                registration=call.registration,
                call=call,
                day=day,
                booked_by_id=actor.user_id,
            )
    except IntegrityError:
        raise CrisisError("already booked for that day", status=409, field="resource") from None
    log_access(
        actor=actor,
        action="write",
        resource="crisis_booking",
        decision="allow",
        beneficiary_id=call.registration.beneficiary_id,
        categories=["situation"],
        purpose="crisis_plan",
        basis="legal_obligation",
        grant_id=call.registration.grant_id,
        request_id=request_id,
    )
    emit(
        type="crisis.booked",
        organization_id=call.activation.organization_id,
        subject_id=booking.pk,
        data={"resource": str(resource.pk), "day": day.isoformat(), "occupied": occupied + 1},
    )
    return booking
