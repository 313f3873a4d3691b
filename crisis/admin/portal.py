"""Registration requests from the citizen portal, in the register's admin.

The queue itself is the exchanges admin's (« Demandes reçues du portail citoyen »); a crisis
registration opens here, since only crisis may enter the register. An agent named by the mayor
of the register's holder sees what was typed (an access-log row), the persons alike that they
may identify (through the gate, each with its row), and either confirms the request
(``crisis.portal_intake.confirm_registration``, which calls ``register_person`` with the
request's origin) or rejects it with a reason (the exchanges admin's reject URL). Anyone else:
404, as for a request that does not exist.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse

from consent import portal
from crisis import portal_intake
from crisis.admin.common import actor_of
from crisis.errors import CrisisError
from crisis.vocab import Eligibility, RequestedBy
from exchanges import submission_queue
from exchanges.models import SubmissionKind, SubmissionStatus
from exchanges.submissions import SubmissionError
from hub.registry.admin.formats import GRADE_LABELS, format_partial_date, person_rows, score_percent

RESOURCE_NAME = "Demande d'inscription reçue du portail"


def _label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else value or ""


def _submission(request, pk):
    try:
        pk = uuid.UUID(str(pk))
    except ValueError:
        raise Http404 from None
    submission = (
        submission_queue.queue_for(request.user)
        .filter(pk=pk, kind=SubmissionKind.CRISIS_REGISTRATION)
        .select_related("organization")
        .first()
    )
    if submission is None:
        raise Http404
    return submission


def _contact(value: dict) -> str:
    value = value or {}
    return " — ".join(
        part
        for part in (
            value.get("name"),
            value.get("relation"),
            value.get("phone"),
            value.get("email"),
        )
        if part
    )


def detail_view(model_admin, request, pk):
    if not model_admin.has_view_permission(request):
        raise Http404
    submission = _submission(request, pk)
    pending = submission.status == SubmissionStatus.PENDING
    found = (
        submission_queue.show(
            actor=actor_of(request), submission=submission, request_id=request.request_id
        )
        if pending
        else []
    )
    details = submission.details or {}
    rows = [
        ("Situation", _label(Eligibility, details.get("category"))),
        ("Demande faite par", _label(RequestedBy, details.get("requested_by"))),
        ("Tiers demandeur", _contact(details.get("requester"))),
        ("Vit seule", {True: "oui", False: "non"}.get(details.get("lives_alone"), "")),
        ("Personne à prévenir", _contact(details.get("emergency_contact"))),
    ]
    return model_admin.page(
        request,
        "portal_request.html",
        f"{RESOURCE_NAME} {submission.reference}",
        submission=submission,
        pending=pending,
        can_confirm=pending and model_admin.has_add_permission(request),
        person=person_rows(submission.person),
        details=[row for row in rows if row[1]] if submission.details else [],
        consents=[(portal.purpose_label(c.purpose), c) for c in portal.consents_of(submission.pk)],
        candidates=[
            {
                "label": view.label,
                "birth_date": format_partial_date(view.value("birth_date")),
                "grade": GRADE_LABELS.get(candidate.grade, candidate.grade),
                "score": score_percent(candidate.score),
            }
            for candidate, view in found
        ],
    )


def confirm_view(model_admin, request, pk):
    if not model_admin.has_add_permission(request):
        raise Http404
    submission = _submission(request, pk)
    back = reverse("admin:crisis_registration_portal", args=[submission.pk])
    try:
        entry = portal_intake.confirm_registration(
            actor=actor_of(request), submission_id=submission.pk, request_id=request.request_id
        )
    except submission_queue.NotFound:
        raise Http404 from None
    except (SubmissionError, CrisisError) as exc:
        for error in exc.errors:
            messages.error(request, _french(error))
        return HttpResponseRedirect(back)
    if entry.grant_id:
        messages.success(request, "La personne est inscrite au registre.")
    else:
        messages.info(
            request,
            "Demande d'un tiers enregistrée : accusé de réception à envoyer avant le "
            f"{entry.acknowledgment_due:%d/%m/%Y}, et la personne à informer.",
        )
    return HttpResponseRedirect(reverse("admin:crisis_registration_change", args=[entry.pk]))


def _french(error: dict) -> str:
    if error.get("message") == "this person is already in the register":
        return "Cette personne est déjà inscrite au registre : rejetez la demande en double."
    return error.get("message", "")
