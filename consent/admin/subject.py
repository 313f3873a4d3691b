"""Per person, for the DPO and the organization's administrator: the disclosure report
(art. 15), the subject access export and erasure (art. 17).

The report and export contain what the user's organizations processed and received
(``consent.rights`` with ``viewer``); erasure touches their records only, and a request that
concerns other partners becomes a cross-partner rights request (``consent.rights_requests``)
that those partners see and act on. Every page and export writes its access-log row; a refused
person answers 404 *without raising*, so that the request's transaction commits the deny row.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from consent import policy
from consent.admin.common import (
    action_label,
    admin_actor,
    basis_label,
    category_label,
    csv_response,
    decision_label,
    dpo_actor,
    french_datetime,
    is_dpo,
    is_org_admin,
    json_response,
    labels,
    not_found,
    page_context,
    purpose_label,
    request_id,
    status_label,
)
from consent.admin.people import label_for
from consent.audit import log_access
from consent.errors import NotVisible
from consent.rights import (
    LegalHoldActive,
    anonymise_beneficiary,
    disclosure_report,
    subject_access_export,
)
from consent.rights_models import RightsKind
from consent.rights_requests import open_request
from consent.vocab import Basis
from hub.registry.actors import Actor


def _person_actor(request, beneficiary_id, who: Actor, resource: str):
    """``who`` if it holds its own record of the person (or is a superuser); else the deny row
    is written and ``None`` answered."""
    decision = policy.decide(who, beneficiary_id)
    if decision.allowed and decision.basis in (Basis.OWN_RECORD, Basis.SUPERUSER):
        return who
    log_access(
        actor=who,
        action="report",
        resource=resource,
        decision="deny",
        beneficiary_id=beneficiary_id,
        request_id=request_id(request),
    )
    return None


def _log(request, who, *, action, resource, beneficiary_id, purpose="gdpr_art15"):
    log_access(
        actor=who,
        action=action,
        resource=resource,
        decision="allow",
        beneficiary_id=beneficiary_id,
        purpose=purpose,
        basis=Basis.SUPERUSER if who.is_superuser else Basis.OWN_RECORD,
        request_id=request_id(request),
    )


def _readable(report: dict) -> dict:
    """French labels and Europe/Paris dates for the HTML pages (exports keep the codes)."""
    for grant in report["grants"]:
        grant["purposes_label"] = labels(grant["purposes"], purpose_label)
        grant["categories_label"] = labels(grant["categories"], category_label)
        grant["status_label"] = status_label(grant["status"])
    for access in report["accesses"]:
        access["action_label"] = action_label(access["action"], access["resource"])
        access["categories_label"] = labels(access["categories"], category_label)
        access["purpose_label"] = purpose_label(access["purpose"]) if access["purpose"] else "—"
        access["basis_label"] = basis_label(access["basis"])
        access["decision_label"] = decision_label(access["decision"])
    for consent in report.get("portal_consents", ()):
        consent["purpose_label"] = purpose_label(consent["purpose"])
    return report


def _french_dates(rows, *names):
    for row in rows:
        for name in names:
            value = row.get(name)
            row[f"{name}_fr"] = french_datetime(parse_datetime(value)) if value else "—"


# The CSV given to the person: French headers, labels and Europe/Paris dates.
REPORT_CSV = [
    (_("Date"), "at_fr"),
    (_("Organisation"), "organization"),
    (_("Utilisateur"), "user"),
    (_("Action"), "action_label"),
    (_("Catégories de données"), "categories_label"),
    (_("Finalité"), "purpose_label"),
    (_("Base"), "basis_label"),
    (_("Décision"), "decision_label"),
]


def person_report(model_admin, request, beneficiary_id):
    if not is_dpo(request):
        raise PermissionDenied
    who = _person_actor(request, beneficiary_id, dpo_actor(request), "disclosure_report")
    if who is None:
        return not_found()
    report = disclosure_report(beneficiary_id, viewer=who)
    fmt = request.GET.get("format")
    if fmt in ("json", "csv"):
        _log(request, who, action="export", resource="dpo_export", beneficiary_id=beneficiary_id)
    else:
        _log(
            request,
            who,
            action="report",
            resource="disclosure_report",
            beneficiary_id=beneficiary_id,
        )
    if fmt == "json":
        return json_response(report, f"divulgations-{beneficiary_id}.json")
    if fmt == "csv":
        _readable(report)
        _french_dates(report["accesses"], "at")

        def rows():
            yield [str(title) for title, _key in REPORT_CSV]
            for access in report["accesses"]:
                yield [access.get(key) or "" for _title, key in REPORT_CSV]

        return csv_response(rows(), f"divulgations-{beneficiary_id}.csv")
    _readable(report)
    _french_dates(report["grants"], "valid_from", "valid_until")
    _french_dates(report["accesses"], "at")
    person = label_for(request, beneficiary_id, resource="disclosure_report")
    if fmt == "print":
        return TemplateResponse(
            request,
            "consent/disclosure_report_print.html",
            {"person": person, "report": report, "issued": french_datetime(timezone.now())},
        )
    admin_of = admin_actor(request)
    return TemplateResponse(
        request,
        "admin/consent/dpo/person.html",
        page_context(
            model_admin,
            request,
            _("Rapport de divulgation (RGPD art. 15)"),
            beneficiary_id=beneficiary_id,
            person=person,
            report=report,
            can_erase=is_org_admin(request)
            and (admin_of.is_superuser or bool(admin_of.organization_ids)),
        ),
    )


def subject_access(model_admin, request, beneficiary_id):
    if not is_dpo(request):
        raise PermissionDenied
    who = _person_actor(request, beneficiary_id, dpo_actor(request), "subject_access")
    if who is None:
        return not_found()
    if request.method == "POST" and not who.is_superuser:
        return _open(request, who, beneficiary_id, RightsKind.ACCESS)
    export = subject_access_export(beneficiary_id, viewer=who)
    if request.GET.get("format") == "json":
        _log(request, who, action="export", resource="dpo_export", beneficiary_id=beneficiary_id)
        return json_response(export, f"acces-{beneficiary_id}.json")
    _log(request, who, action="export", resource="subject_access", beneficiary_id=beneficiary_id)
    _readable(export)
    _french_dates(export["accesses"], "at")
    _french_dates(export["partner_records"], "updated_at")
    _french_dates(export["portal_consents"], "given_at", "withdrawn_at")
    return TemplateResponse(
        request,
        "admin/consent/dpo/subject_access.html",
        page_context(
            model_admin,
            request,
            _("Droit d'accès : données de la personne"),
            beneficiary_id=beneficiary_id,
            person=label_for(request, beneficiary_id, resource="subject_access"),
            export=export,
            can_forward=not who.is_superuser,
        ),
    )


def _open(request, who: Actor, beneficiary_id, kind):
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, _("Indiquez la demande de la personne (date, canal, référence)."))
        return redirect(request.path)
    try:
        rights_request = open_request(
            actor=who,
            organization_id=who.organization_id,
            beneficiary_id=beneficiary_id,
            kind=kind,
            reason=reason,
            request_id=request_id(request),
        )
    except NotVisible:
        return not_found()
    count = rights_request.tasks.count()
    messages.success(
        request,
        _("Demande enregistrée ; %(n)d autre(s) partenaire(s) concerné(s) la traiteront.")
        % {"n": count},
    )
    return redirect("admin:consent_rightsrequest_change", rights_request.pk)


def erasure(model_admin, request, beneficiary_id):
    if not is_org_admin(request):
        raise PermissionDenied
    who = _person_actor(request, beneficiary_id, admin_actor(request), "erasure")
    if who is None:
        return not_found()
    if request.method == "POST":
        try:
            if who.is_superuser:
                return _operator_erasure(request, who, beneficiary_id)
            return _open(request, who, beneficiary_id, RightsKind.ERASURE)
        except LegalHoldActive:
            messages.error(
                request, _("Effacement refusé : un gel juridique est actif pour cette personne.")
            )
    return TemplateResponse(
        request,
        "admin/consent/dpo/erasure.html",
        page_context(
            model_admin,
            request,
            _("Effacement (anonymisation)"),
            beneficiary_id=beneficiary_id,
            person=label_for(request, beneficiary_id, resource="erasure"),
        ),
    )


def _operator_erasure(request, who, beneficiary_id):
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, _("Indiquez le motif de l'effacement."))
        return redirect(request.path)
    anonymise_beneficiary(
        actor=who, beneficiary_id=beneficiary_id, reason=reason, request_id=request_id(request)
    )
    messages.success(request, _("La personne a été anonymisée."))
    return redirect("admin:consent_dpo_index")
