"""The cross-partner rights workflow: a request to one organization, a task per other partner.

``open_request`` records the person's request at the organization they asked (which must hold
its own record of them), creates one task per other organization concerned, and, for an
erasure, erases the requesting organization's own records at once. ``act_on_task`` lets the
DPO or administrator of a concerned organization answer, erase its own records, or refuse with
a reason. Every step writes its access-log row and an outbox event in its transaction:
``rights.requested`` (to the requester, and to each concerned organization for its task),
``rights.answered`` (to the requester) and ``beneficiary.anonymised`` (from the erasure).

The requester learns how many tasks are open and how each ended, never which partner holds
data: that a given partner supports the person is that partner's (and the person's) business.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consent.audit import log_access
from consent.errors import NotAllowed, NotVisible
from consent.models import Grant, RightsRequest, RightsTask
from consent.rights import anonymise_records
from consent.rights_models import RequestStatus, RightsKind, TaskStatus
from consent.vocab import Basis, GranteeType
from hub.outbox.emit import emit
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, BeneficiaryStatus, PartnerRecord
from hub.registry.services import cluster_ids

PURPOSE = {RightsKind.ACCESS: "gdpr_art15", RightsKind.ERASURE: "gdpr_art17"}
ACTIONS = {
    "answer": TaskStatus.ANSWERED,
    "anonymise": TaskStatus.ANONYMISED,
    "refuse": TaskStatus.REFUSED,
}


class RightsError(Exception):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def acting_as(actor: Actor, organization_id) -> Actor:
    """``actor`` acting for one of its organizations (written so in the audit rows)."""
    return Actor(
        organization_id=organization_id,
        organization_ids=(organization_id,),
        client_id=actor.client_id,
        user_id=actor.user_id,
        is_superuser=actor.is_superuser,
        roles=actor.roles,
    )


def concerned_organizations(beneficiary_id, requester_id) -> list:
    """Other organizations holding a record of the person (or of a person merged into them)
    or named by a grant about them."""
    cluster = cluster_ids(beneficiary_id)
    holders = PartnerRecord.objects.filter(beneficiary_id__in=cluster).values_list(
        "organization_id", flat=True
    )
    grantees = Grant.objects.filter(
        beneficiary_id__in=cluster, grantee_type=GranteeType.ORGANIZATION
    ).values_list("grantee_organization_id", flat=True)
    found = {*holders, *grantees} - {requester_id, None}
    return sorted(found, key=str)


def requests_for(actor: Actor):
    """Requests the actor's organizations made or have a task in (all for the operator)."""
    if actor.is_superuser:
        return RightsRequest.objects.all()
    orgs = list(actor.organization_ids)
    tasked = RightsTask.objects.filter(organization_id__in=orgs).values("request_id")
    return RightsRequest.objects.filter(Q(organization_id__in=orgs) | Q(pk__in=tasked))


def _close_if_done(request: RightsRequest) -> None:
    if not request.tasks.filter(status=TaskStatus.PENDING).exists():
        request.status = RequestStatus.DONE
        request.closed_at = timezone.now()
        request.save(update_fields=["status", "closed_at"])


@transaction.atomic
def open_request(
    *,
    actor: Actor,
    organization_id,
    beneficiary_id,
    kind: str,
    reason: str,
    request_id: str = "",
) -> RightsRequest:
    if not (actor.is_superuser or organization_id in actor.organization_ids):
        raise NotAllowed("you do not act for this organization")
    if kind not in RightsKind.values:
        raise RightsError("kind", f"one of: {', '.join(RightsKind.values)}")
    if not reason.strip():
        raise RightsError("reason", "describe the person's request (date, channel, reference)")
    person = (
        Beneficiary.objects.filter(pk=beneficiary_id)
        .exclude(status=BeneficiaryStatus.ANONYMISED)
        .first()
    )
    if (
        person is None
        or not PartnerRecord.objects.filter(
            beneficiary_id__in=cluster_ids(person.pk), organization_id=organization_id
        ).exists()
    ):
        raise NotVisible(beneficiary_id)
    who = acting_as(actor, organization_id)
    request = RightsRequest.objects.create(
        kind=kind,
        beneficiary=person,
        organization_id=organization_id,
        requested_by_id=actor.user_id,
        reason=reason.strip(),
    )
    tasks = RightsTask.objects.bulk_create(
        RightsTask(request=request, organization_id=org)
        for org in concerned_organizations(person.pk, organization_id)
    )
    log_access(
        actor=who,
        action="request",
        resource="rights_request",
        decision="allow",
        beneficiary_id=person.pk,
        purpose=PURPOSE[kind],
        basis=Basis.OWN_RECORD,
        request_id=request_id,
    )
    emit(
        type="rights.requested",
        organization_id=organization_id,
        beneficiary_id=person.pk,
        subject_id=request.pk,
        data={"request": str(request.pk), "kind": kind, "tasks": len(tasks)},
    )
    for task in tasks:
        emit(
            type="rights.requested",
            organization_id=task.organization_id,
            beneficiary_id=person.pk,
            subject_id=task.pk,
            data={"request": str(request.pk), "task": str(task.pk), "kind": kind},
        )
    if kind == RightsKind.ERASURE:
        anonymise_records(
            actor=who,
            beneficiary_id=person.pk,
            organization_ids=[organization_id],
            reason=f"demande {str(request.pk)[:8]} : {request.reason}",
            request_id=request_id,
        )
    _close_if_done(request)
    return request


@transaction.atomic
def act_on_task(
    *, actor: Actor, task_id, action: str, note: str = "", request_id: str = ""
) -> RightsTask:
    """``answer``, ``anonymise`` (erasure requests) or ``refuse`` (with a reason) a task of one
    of the actor's organizations. Raises ``NotVisible`` for another organization's task,
    ``RightsError`` for bad input or a task already handled, ``LegalHoldActive`` from the
    erasure under a legal hold (nothing is then written)."""
    task = (
        RightsTask.objects.select_for_update().select_related("request").filter(pk=task_id).first()
    )
    if task is None or not (actor.is_superuser or task.organization_id in actor.organization_ids):
        raise NotVisible(task_id)
    if action not in ACTIONS:
        raise RightsError("action", f"one of: {', '.join(ACTIONS)}")
    if task.status != TaskStatus.PENDING:
        raise RightsError("status", "this task was already handled")
    request = task.request
    if action == "anonymise" and request.kind != RightsKind.ERASURE:
        raise RightsError("action", "only an erasure request is carried out by anonymisation")
    if action == "refuse" and not note.strip():
        raise RightsError("note", "give the reason of the refusal (GDPR art. 12.4)")
    who = acting_as(actor, task.organization_id)
    if action == "anonymise":
        anonymise_records(
            actor=who,
            beneficiary_id=request.beneficiary_id,
            organization_ids=[task.organization_id],
            reason=f"demande {str(request.pk)[:8]} : {request.reason}",
            request_id=request_id,
        )
    task.status = ACTIONS[action]
    task.note = note.strip()
    task.answered_by_id = actor.user_id
    task.answered_at = timezone.now()
    task.save(update_fields=["status", "note", "answered_by", "answered_at"])
    log_access(
        actor=who,
        action="answer",
        resource="rights_request",
        decision="allow",
        beneficiary_id=request.beneficiary_id,
        purpose=PURPOSE[request.kind],
        basis=Basis.OWN_RECORD,
        request_id=request_id,
    )
    emit(
        type="rights.answered",
        organization_id=request.organization_id,
        beneficiary_id=request.beneficiary_id,
        subject_id=request.pk,
        data={"request": str(request.pk), "task": str(task.pk), "status": task.status},
    )
    _close_if_done(request)
    return task
