"""The DPO's tools: index (find a person), art. 30 register, integrity, retention, and the URLs
of the per-person pages (``consent.admin.subject``)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from consent.admin import subject
from consent.admin.common import (
    actor_for_roles,
    csv_response,
    french_datetime,
    is_dpo,
    is_org_admin,
    json_response,
    page_context,
)
from consent.admin.people import PersonSelect, person_autocomplete
from consent.integrity import CHAINS, verify_chain
from consent.models import ChainCheckpoint, RetentionRun
from consent.register import processing_register, register_rows
from consent.retention import retention_report, run_retention
from hub.registry.models import PartnerRecord, Role


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
        page_context(
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
        page_context(
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
        page_context(model_admin, request, _("Intégrité des journaux"), results=results),
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
        page_context(
            model_admin,
            request,
            _("Durées de conservation"),
            **retention_tables(retention_report()),
            runs=[
                (run, french_datetime(run.at), run.get_kind_display())
                for run in RetentionRun.objects.order_by("-id")[:20]
            ],
        ),
    )


def _cutoff(value: str) -> str:
    return french_datetime(dt.datetime.fromisoformat(value)) if value else "—"


def retention_tables(report: dict) -> dict:
    """The dry-run report as tables: one row per category of data, then the persons to
    anonymise counted per organization holding their records (no person is named)."""
    active, log = report["active_data"], report["access_log"]
    categories = [
        {
            "label": _("Données des personnes sans contact récent (fiches, accompagnements)"),
            "days": active["retention_days"],
            "cutoff": _cutoff(active["cutoff"]),
            "count": active["to_anonymise"],
            "kept": active["kept_under_legal_hold"],
            "effect": _("anonymisées"),
        },
        {
            "label": _("Journal des accès"),
            "days": log["retention_days"],
            "cutoff": _cutoff(log["cutoff"]),
            "count": log["to_purge"],
            "kept": "—",
            "effect": _("purgées (l'ancre de la chaîne est conservée)"),
        },
    ]
    per_org = (
        PartnerRecord.objects.filter(beneficiary_id__in=active["ids"])
        .values("organization__name")
        .annotate(persons=Count("beneficiary_id", distinct=True))
        .order_by("organization__name")
    )
    return {
        "at": _cutoff(report["at"]),
        "categories": categories,
        "per_organization": [(row["organization__name"], row["persons"]) for row in per_org],
        "truncated": active["to_anonymise"] > len(active["ids"]),
    }


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
            bound(subject.person_report),
            name="consent_dpo_person",
        ),
        path(
            "dpo/personne/<uuid:beneficiary_id>/acces/",
            bound(subject.subject_access),
            name="consent_dpo_subject_access",
        ),
        path(
            "dpo/personne/<uuid:beneficiary_id>/effacement/",
            bound(subject.erasure),
            name="consent_dpo_erasure",
        ),
    ]
