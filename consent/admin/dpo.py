"""The DPO's tools: index, art. 30 register, integrity, retention, and per person the
disclosure report (art. 15), the subject access export and erasure (art. 17).

A DPO acts for the organizations they are DPO of, an administrator for those they administer:
the report and export contain what those organizations processed and received
(``consent.rights`` with ``viewer``), erasure touches their records only, and a request that
concerns other partners becomes a cross-partner rights request (``consent.rights_requests``)
that those partners see and act on. Every page and export writes its access-log row; a refused
person answers 404 *without raising*, so that the request's transaction commits the deny row.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from consent import policy
from consent.admin.common import (
    action_label,
    basis_label,
    category_label,
    csv_response,
    decision_label,
    french_datetime,
    is_dpo,
    is_org_admin,
    json_response,
    labels,
    not_found,
    purpose_label,
    request_id,
    role_organizations,
    status_label,
)
from consent.admin.people import PersonSelect, label_for, person_autocomplete
from consent.audit import log_access
from consent.errors import NotVisible
from consent.integrity import CHAINS, verify_chain
from consent.models import ChainCheckpoint, RetentionRun
from consent.register import processing_register, register_rows
from consent.retention import retention_report, run_retention
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
from hub.registry.models import Role


def actor_for_roles(request, *roles) -> Actor:
    """The user acting for the organizations where they hold one of ``roles``."""
    user = request.user
    if user.is_superuser:
        return Actor(organization_id=None, user_id=user.pk, is_superuser=True)
    orgs = role_organizations(request, *roles)
    return Actor(
        organization_id=orgs[0] if orgs else None,
        organization_ids=orgs,
        user_id=user.pk,
        roles=tuple(sorted(roles)),
    )


def dpo_actor(request) -> Actor:
    return actor_for_roles(request, Role.DPO)


def admin_actor(request) -> Actor:
    return actor_for_roles(request, Role.ADMIN)


def _context(model_admin, request, title, **extra):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        **extra,
    }


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
    return report


def _french_dates(rows, *names):
    for row in rows:
        for name in names:
            value = row.get(name)
            row[f"{name}_fr"] = french_datetime(parse_datetime(value)) if value else "—"


class PersonForm(forms.Form):
    person = forms.UUIDField(
        label=_("Personne"),
        help_text=_(
            "Tapez au moins deux lettres du nom d'une personne dont votre organisation détient la fiche."
        ),
        widget=PersonSelect("admin:consent_dpo_persons"),
    )


def index(model_admin, request):
    if not is_dpo(request):
        raise PermissionDenied
    form = PersonForm(request.GET or None)
    if form.is_valid():
        return redirect("admin:consent_dpo_person", form.cleaned_data["person"])
    return TemplateResponse(
        request,
        "admin/consent/dpo/index.html",
        _context(
            model_admin,
            request,
            _("Outils du délégué à la protection des données"),
            form=form,
            media=model_admin.media + form.media,
        ),
    )


def persons(model_admin, request):
    """The autocomplete of the DPO and legal-hold pages: persons of the organizations the user
    is DPO or administrator of."""
    if not (is_dpo(request) or is_org_admin(request)):
        raise PermissionDenied
    return person_autocomplete(
        request, own_only=True, who=actor_for_roles(request, Role.DPO, Role.ADMIN)
    )


def register_view(model_admin, request):
    if not is_dpo(request):
        raise PermissionDenied
    register = processing_register()
    fmt = request.GET.get("format")
    if fmt == "json":
        return json_response(register, "registre-art30.json")
    if fmt == "csv":
        return csv_response(register_rows(register), "registre-art30.csv")
    return TemplateResponse(
        request,
        "admin/consent/dpo/register.html",
        _context(
            model_admin,
            request,
            _("Registre des activités de traitement (RGPD art. 30)"),
            register=register,
        ),
    )


def integrity_view(model_admin, request):
    if not is_dpo(request):
        raise PermissionDenied
    results = []
    for chain in CHAINS.values():
        problem = verify_chain(chain)
        last = ChainCheckpoint.objects.filter(chain=chain.name).order_by("-id").first()
        results.append(
            {
                "name": chain.name,
                "label": chain.model._meta.verbose_name,
                "rows": chain.model.objects.count(),
                "problem": str(problem) if problem else "",
                "checkpoint": last,
            }
        )
    return TemplateResponse(
        request,
        "admin/consent/dpo/integrity.html",
        _context(model_admin, request, _("Intégrité des journaux"), results=results),
    )


def retention_view(model_admin, request):
    if not is_dpo(request):
        raise PermissionDenied
    if request.method == "POST":
        run_retention(enforce=False)
        messages.success(request, _("Simulation enregistrée."))
        return redirect("admin:consent_dpo_retention")
    return TemplateResponse(
        request,
        "admin/consent/dpo/retention.html",
        _context(
            model_admin,
            request,
            _("Durées de conservation"),
            preview=json.dumps(retention_report(), indent=2, ensure_ascii=False),
            runs=RetentionRun.objects.order_by("-id")[:20],
        ),
    )


REPORT_COLUMNS = [
    "at",
    "organization",
    "user",
    "action",
    "resource",
    "categories",
    "purpose",
    "basis",
    "decision",
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

        def rows():
            yield REPORT_COLUMNS
            for access in report["accesses"]:
                access = {**access, "categories": " ".join(access["categories"])}
                yield [access[column] for column in REPORT_COLUMNS]

        return csv_response(rows(), f"divulgations-{beneficiary_id}.csv")
    _readable(report)
    _french_dates(report["grants"], "valid_from", "valid_until")
    _french_dates(report["accesses"], "at")
    admin_of = admin_actor(request)
    return TemplateResponse(
        request,
        "admin/consent/dpo/person.html",
        _context(
            model_admin,
            request,
            _("Rapport de divulgation (RGPD art. 15)"),
            beneficiary_id=beneficiary_id,
            person=label_for(request, beneficiary_id, resource="disclosure_report"),
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
    return TemplateResponse(
        request,
        "admin/consent/dpo/subject_access.html",
        _context(
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
        _context(
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


def urls(model_admin):
    def bound(function):
        def view(request, *args, **kwargs):
            return function(model_admin, request, *args, **kwargs)

        return model_admin.admin_site.admin_view(view)

    return [
        path("dpo/", bound(index), name="consent_dpo_index"),
        path("dpo/personnes/", bound(persons), name="consent_dpo_persons"),
        path("dpo/registre/", bound(register_view), name="consent_dpo_register"),
        path("dpo/integrite/", bound(integrity_view), name="consent_dpo_integrity"),
        path("dpo/conservation/", bound(retention_view), name="consent_dpo_retention"),
        path(
            "dpo/personne/<uuid:beneficiary_id>/",
            bound(person_report),
            name="consent_dpo_person",
        ),
        path(
            "dpo/personne/<uuid:beneficiary_id>/acces/",
            bound(subject_access),
            name="consent_dpo_subject_access",
        ),
        path(
            "dpo/personne/<uuid:beneficiary_id>/effacement/",
            bound(erasure),
            name="consent_dpo_erasure",
        ),
    ]
