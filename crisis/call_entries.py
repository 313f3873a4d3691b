"""Calls of a call list, written when needed: an entry of the snapshot (``crisis.call_list``)
becomes a ``Call`` row when it is first claimed, given an outcome, booked for or removed.

An entry not written yet is shown as an unsaved ``Call`` (pending, first step, no attempt) with
the id its row will have, so the campaign view, the API list and the outcome of a call by id
read the same list before and after. Writing is ``INSERT … ON CONFLICT DO NOTHING`` on the
call's unique pairs (registration and activation, activation and rank): two writers of one entry
end with one row. Persons registered while a plan is open are appended to its list at once (a
row each, ranks after the snapshot); persons removed get a closed row (not called).
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from crisis import call_list
from crisis.call_list import Entry
from crisis.models import Activation, Call, CallList, Registration
from crisis.priority import priority_of
from crisis.vocab import CallStatus, RegistrationStatus, Step


def virtual(activation: Activation, key: int, entry: Entry) -> Call:
    """The call of an entry not written yet (unsaved: ``call._state.adding`` is true)."""
    return Call(
        id=call_list.call_id(key, entry.rank),
        activation=activation,
        registration_id=entry.registration_id,
        priority=entry.priority,
        rank=entry.rank,
        step=Step.CALL,
        status=CallStatus.PENDING,
    )


def find_call(call_id) -> Call | None:
    """The call of that id, written or not (``select_related`` activation and registration)."""
    try:
        call_id = uuid.UUID(str(call_id))
    except ValueError:
        return None
    call = Call.objects.select_related("activation", "registration").filter(pk=call_id).first()
    if call is not None:
        return call
    parsed = call_list.parse_call_id(call_id)
    if parsed is None:
        return None
    key, rank = parsed
    found = CallList.objects.filter(key=key).values_list("activation_id", "snapshot_size").first()
    if found is None or rank >= found[1]:
        return None
    (entry,) = call_list.entries(found[0], rank, 1)
    activation = Activation.objects.select_related("organization").get(pk=found[0])
    call = virtual(activation, key, entry)
    call.registration = Registration.objects.get(pk=entry.registration_id)
    return call


def write(call: Call, **fields) -> Call:
    """Write the row of an unsaved call (``fields``: a claim, a status); returns the row that
    exists afterwards (another writer's, if it came first)."""
    if not call._state.adding:
        return call
    registration = Registration.objects.filter(pk=call.registration_id).first()
    if registration is None or registration.status != RegistrationStatus.ACTIVE:
        fields = _closed(timezone.now())  # removed since the snapshot: not called
    for name, value in fields.items():
        setattr(call, name, value)
    call.updated_at = timezone.now()
    Call.objects.bulk_create([call], ignore_conflicts=True)
    return (
        Call.objects.select_related("activation", "registration")
        .filter(activation_id=call.activation_id, registration_id=call.registration_id)
        .get()
    )


def _closed(now) -> dict:
    return {"status": CallStatus.CLOSED, "closed_at": now}


@transaction.atomic
def write_next(activation: Activation, claim: dict) -> tuple[Call | None, bool]:
    """Hand out the next entry of the list, its row written with ``claim``. Returns (the call,
    whether it is the caller's) or (None, False) when every entry is handed out. The call is not
    the caller's when its row existed already (claimed by id, or a removed person)."""
    handed = call_list.advance(activation.pk)
    if handed is None:
        return None, False
    entry, key = handed
    call = write(virtual(activation, key, entry), **claim)
    mine = call.status == CallStatus.PENDING and call.claim_holder == claim["claim_holder"]
    return call, mine


def page(activation: Activation, start: int, count: int) -> list[Call]:
    """The calls of ranks ``start`` to ``start + count - 1``, written or not, with their
    registration; for an activation listed before this design (no snapshot): its rows."""
    listed = call_list.info(activation.pk)
    rows = Call.objects.filter(activation=activation).select_related("registration")
    if listed is None:
        return list(rows.filter(rank__gte=start).order_by("rank")[:count])
    if start >= listed.size:
        return []
    stop = min(start + count, listed.size)
    written = {call.rank: call for call in rows.filter(rank__gte=start, rank__lt=stop)}
    missing = [
        entry
        for entry in call_list.entries(
            activation.pk, start, min(stop, listed.snapshot_size) - start
        )
        if entry.rank not in written
    ]
    registrations = Registration.objects.in_bulk([entry.registration_id for entry in missing])
    for entry in missing:
        call = virtual(activation, listed.key, entry)
        call.registration = registrations[entry.registration_id]
        written[entry.rank] = call
    return [written[rank] for rank in sorted(written)]


def unwritten(activation: Activation) -> int | None:
    """Entries of the list without a row yet (pending, never called); None without a list."""
    listed = call_list.info(activation.pk)
    if listed is None:
        return None
    return listed.size - Call.objects.filter(activation=activation).count()


# --- The register changes while a plan is open ------------------------------------------------


def _open_lists(organization_id):
    """The open activations of the commune whose list exists, locked (the build takes the same
    lock: an entry changed while the list is being written is seen by one side or the other)."""
    activations = Activation.objects.select_for_update().filter(
        organization_id=organization_id, closed_at__isnull=True
    )
    return [a for a in activations if CallList.objects.filter(activation=a).exists()]


def append(registration: Registration) -> None:
    """A person entered in the register while a plan is open joins the end of its list."""
    for activation in _open_lists(registration.organization_id):
        if Call.objects.filter(activation=activation, registration=registration).exists():
            continue
        listed = CallList.objects.select_for_update().only("key", "size").get(activation=activation)
        Call.objects.create(
            id=call_list.call_id(listed.key, listed.size),
            activation=activation,
            registration=registration,
            priority=priority_of(registration),
            rank=listed.size,
        )
        CallList.objects.filter(pk=activation.pk).update(size=F("size") + 1)


def close_for(registration: Registration, now) -> None:
    """A person who leaves the register is not called: the entries of the lists that hold
    them get a closed row, and their calls not made are closed (last: a call being written for
    them by a caller at this moment is waited for by the insert, then closed too)."""
    _open_lists(registration.organization_id)  # wait for a list being written
    lists = CallList.objects.filter(
        activation__organization_id=registration.organization_id,
        built_at__gte=registration.created_at,
    ).exclude(activation__calls__registration=registration)
    for activation_id, key in lists.values_list("activation_id", "key"):
        entry = call_list.position_of(activation_id, registration.pk)
        if entry is not None:
            write(virtual(Activation.objects.get(pk=activation_id), key, entry), **_closed(now))
    registration.calls.filter(status=CallStatus.PENDING).update(
        **_closed(now), claim_holder="", claimed_by=None, claim_expires_at=None
    )
