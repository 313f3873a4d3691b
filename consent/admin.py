"""Admin (in French) of consents and legal bases, and the DPO's read-only audit tools.

- Social workers record and withdraw grants (``GrantAdmin``), scoped to their organizations:
  the form goes through ``consent.grants.record_grant`` (validation, ledger, access log).
- The DPO (role ``dpo``) and superusers read the grant ledger, the access log (filters by
  organization, user, person, period, decision; CSV and JSON exports), the per-person
  disclosure report (art. 15), the art. 30 register, the integrity check and retention runs.
  Nothing there can be changed.
- Erasure by anonymisation is for an organization's administrator (or a superuser) and is
  refused under a legal hold.

Every display of personal data here writes its access-log row in the request's transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotFound,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from consent import policy
from consent.audit import log_access
from consent.errors import InvalidGrant, NotAllowed, NotVisible
from consent.grants import record_grant, withdraw_grant
from consent.integrity import CHAINS, verify_chain
from consent.models import (
    AccessLog,
    ChainCheckpoint,
    CoordinationGroup,
    Grant,
    GrantEvent,
    LegalHold,
    RetentionRun,
)
from consent.receipts import consent_receipt
from consent.register import processing_register, register_rows
from consent.retention import retention_report, run_retention
from consent.rights import (
    LegalHoldActive,
    anonymise_beneficiary,
    disclosure_report,
    subject_access_export,
)
from consent.vocab import (
    GRANT_BASES,
    Basis,
    Category,
    EvidenceMethod,
    FamilyInformation,
    GrantStatus,
    Purpose,
)
from hub.registry.admin_scoping import OrganizationScopedAdmin, actor_for_request
from hub.registry.models import Organization, PartnerRecord, Role

WORKER_ROLES = {Role.AGENT, Role.COORDINATOR, Role.ADMIN}


# --- Who may do what ---------------------------------------------------------------------------


def _actor(request):
    return actor_for_request(request)


def is_dpo(request) -> bool:
    actor = _actor(request)
    return request.user.is_active and (actor.is_superuser or Role.DPO in actor.roles)


def is_worker(request) -> bool:
    actor = _actor(request)
    return request.user.is_active and (actor.is_superuser or bool(WORKER_ROLES & set(actor.roles)))


def is_org_admin(request) -> bool:
    actor = _actor(request)
    return request.user.is_active and (actor.is_superuser or Role.ADMIN in actor.roles)


def own_persons(actor):
    return PartnerRecord.objects.filter(organization_id__in=actor.organization_ids).values(
        "beneficiary_id"
    )


def request_id(request) -> str:
    return getattr(request, "request_id", "")


class ReadOnlyDPOAdmin(OrganizationScopedAdmin):
    """Read-only, for the DPO and superusers."""

    def has_module_permission(self, request):
        return is_dpo(request)

    def has_view_permission(self, request, obj=None):
        return is_dpo(request)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def not_found() -> HttpResponseNotFound:
    return HttpResponseNotFound(_("Cette page n'existe pas."))


# --- Exports -----------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def csv_response(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def json_response(data, filename: str) -> HttpResponse:
    response = JsonResponse(
        data, encoder=DjangoJSONEncoder, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Access log --------------------------------------------------------------------------------


class PeriodFilter(admin.SimpleListFilter):
    title = _("période")
    parameter_name = "periode"
    DAYS = {"1": 1, "7": 7, "30": 30, "365": 365}

    def lookups(self, request, model_admin):
        return [
            ("1", _("Dernières 24 heures")),
            ("7", _("7 derniers jours")),
            ("30", _("30 derniers jours")),
            ("365", _("12 derniers mois")),
        ]

    def queryset(self, request, queryset):
        days = self.DAYS.get(self.value() or "")
        if days is None:
            return queryset
        return queryset.filter(at__gte=timezone.now() - dt.timedelta(days=days))


ACCESS_COLUMNS = [
    "id",
    "at",
    "organization",
    "user",
    "client",
    "action",
    "resource",
    "beneficiary_id",
    "categories",
    "purpose",
    "basis",
    "grant_id",
    "decision",
    "request_id",
    "hash",
]


def access_row(row: AccessLog) -> dict:
    return {
        "id": row.id,
        "at": row.at.isoformat(),
        "organization": row.organization.name if row.organization else "",
        "user": row.user.get_username() if row.user else "",
        "client": row.client_id or "",
        "action": row.action,
        "resource": row.resource,
        "beneficiary_id": str(row.beneficiary_id or ""),
        "categories": row.categories,
        "purpose": row.purpose,
        "basis": row.basis,
        "grant_id": str(row.grant_id or ""),
        "decision": row.decision,
        "request_id": row.request_id,
        "hash": row.hash,
    }


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyDPOAdmin):
    list_display = (
        "at",
        "organization",
        "user",
        "action",
        "resource",
        "person_link",
        "categories",
        "purpose",
        "basis",
        "decision",
    )
    list_filter = (
        "decision",
        "action",
        ("organization", admin.RelatedOnlyFieldListFilter),
        ("user", admin.RelatedOnlyFieldListFilter),
        PeriodFilter,
    )
    date_hierarchy = "at"
    search_fields = ("request_id",)
    search_help_text = _("Identifiant de personne, d'autorisation ou de requête.")
    list_select_related = ("organization", "user")
    show_full_result_count = False
    change_list_template = "admin/consent/accesslog/change_list.html"

    def scope_queryset(self, request, queryset):
        actor = _actor(request)
        if actor.is_superuser:
            return queryset
        if not actor.organization_ids:
            return queryset.none()
        return queryset.filter(
            Q(organization_id__in=actor.organization_ids) | Q(beneficiary_id__in=own_persons(actor))
        )

    def lookup_allowed(self, lookup, value, request=None):
        if lookup in ("beneficiary_id", "grant_id"):
            return True
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request, queryset, search_term):
        import uuid

        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            value = uuid.UUID(term)
        except ValueError:
            return queryset.filter(request_id=term), False
        return queryset.filter(Q(beneficiary_id=value) | Q(grant_id=value)), False

    @admin.display(description=_("personne"))
    def person_link(self, row):
        if not row.beneficiary_id:
            return "—"
        url = reverse("admin:consent_dpo_person", args=[row.beneficiary_id])
        return format_html('<a href="{}">{}</a>', url, str(row.beneficiary_id)[:8])

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export.csv", view(self.export_csv), name="consent_accesslog_export_csv"),
            path("export.json", view(self.export_json), name="consent_accesslog_export_json"),
            path("dpo/", view(self.dpo_index), name="consent_dpo_index"),
            path("dpo/registre/", view(self.register_view), name="consent_dpo_register"),
            path("dpo/integrite/", view(self.integrity_view), name="consent_dpo_integrity"),
            path("dpo/conservation/", view(self.retention_view), name="consent_dpo_retention"),
            path(
                "dpo/personne/<uuid:beneficiary_id>/",
                view(self.person_report),
                name="consent_dpo_person",
            ),
            path(
                "dpo/personne/<uuid:beneficiary_id>/acces/",
                view(self.subject_access),
                name="consent_dpo_subject_access",
            ),
            path(
                "dpo/personne/<uuid:beneficiary_id>/effacement/",
                view(self.erasure),
                name="consent_dpo_erasure",
            ),
            *super().get_urls(),
        ]

    # Exports of the filtered list.
    def _filtered(self, request):
        if not is_dpo(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        return (
            changelist.get_queryset(request).select_related("organization", "user").order_by("id")
        )

    def export_csv(self, request):
        queryset = self._filtered(request)

        def rows():
            yield ACCESS_COLUMNS
            for row in queryset.iterator(chunk_size=2000):
                data = access_row(row)
                data["categories"] = " ".join(data["categories"])
                yield [data[column] for column in ACCESS_COLUMNS]

        return csv_response(rows(), "journal-des-acces.csv")

    def export_json(self, request):
        queryset = self._filtered(request)
        return json_response(
            [access_row(row) for row in queryset.iterator(chunk_size=2000)],
            "journal-des-acces.json",
        )

    # DPO tools.
    def _context(self, request, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }

    def dpo_index(self, request):
        if not is_dpo(request):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/consent/dpo/index.html",
            self._context(request, _("Outils du délégué à la protection des données")),
        )

    def register_view(self, request):
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
            self._context(
                request, _("Registre des activités de traitement (RGPD art. 30)"), register=register
            ),
        )

    def integrity_view(self, request):
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
            self._context(request, _("Intégrité des journaux"), results=results),
        )

    def retention_view(self, request):
        if not is_dpo(request):
            raise PermissionDenied
        if request.method == "POST":
            run_retention(enforce=False)
            messages.success(request, _("Simulation enregistrée."))
            return redirect("admin:consent_dpo_retention")
        return TemplateResponse(
            request,
            "admin/consent/dpo/retention.html",
            self._context(
                request,
                _("Durées de conservation"),
                preview=json.dumps(retention_report(), indent=2, ensure_ascii=False),
                runs=RetentionRun.objects.order_by("-id")[:20],
            ),
        )

    def _person_or_404(self, request, beneficiary_id, *, dpo=True):
        """The DPO (or admin) of an organization holding its own record of the person.

        ``None`` when refused: the caller answers 404 *without raising*, so that the request's
        transaction commits the ``deny`` row.
        """
        if dpo and not is_dpo(request):
            raise PermissionDenied
        actor = _actor(request)
        decision = policy.decide(actor, beneficiary_id)
        if not (decision.allowed and decision.basis in (Basis.OWN_RECORD, Basis.SUPERUSER)):
            log_access(
                actor=actor,
                action="report",
                resource="disclosure_report",
                decision="deny",
                beneficiary_id=beneficiary_id,
                request_id=request_id(request),
            )
            return None
        return actor

    def person_report(self, request, beneficiary_id):
        actor = self._person_or_404(request, beneficiary_id)
        if actor is None:
            return not_found()
        log_access(
            actor=actor,
            action="report",
            resource="disclosure_report",
            decision="allow",
            beneficiary_id=beneficiary_id,
            purpose="gdpr_art15",
            basis=Basis.OWN_RECORD if not actor.is_superuser else Basis.SUPERUSER,
            request_id=request_id(request),
        )
        report = disclosure_report(beneficiary_id)
        fmt = request.GET.get("format")
        if fmt == "json":
            return json_response(report, f"divulgations-{beneficiary_id}.json")
        if fmt == "csv":
            columns = [
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

            def rows():
                yield columns
                for access in report["accesses"]:
                    access = {**access, "categories": " ".join(access["categories"])}
                    yield [access[column] for column in columns]

            return csv_response(rows(), f"divulgations-{beneficiary_id}.csv")
        return TemplateResponse(
            request,
            "admin/consent/dpo/person.html",
            self._context(
                request,
                _("Rapport de divulgation (RGPD art. 15)"),
                beneficiary_id=beneficiary_id,
                report=report,
                can_erase=is_org_admin(request),
            ),
        )

    def subject_access(self, request, beneficiary_id):
        actor = self._person_or_404(request, beneficiary_id)
        if actor is None:
            return not_found()
        log_access(
            actor=actor,
            action="export",
            resource="subject_access",
            decision="allow",
            beneficiary_id=beneficiary_id,
            categories=Category.ALL,
            purpose="gdpr_art15",
            basis=Basis.OWN_RECORD if not actor.is_superuser else Basis.SUPERUSER,
            request_id=request_id(request),
        )
        export = subject_access_export(beneficiary_id)
        if request.GET.get("format") == "json":
            return json_response(export, f"acces-{beneficiary_id}.json")
        return TemplateResponse(
            request,
            "admin/consent/dpo/subject_access.html",
            self._context(
                request,
                _("Droit d'accès : données de la personne"),
                beneficiary_id=beneficiary_id,
                export=export,
            ),
        )

    def erasure(self, request, beneficiary_id):
        if not is_org_admin(request):
            raise PermissionDenied
        actor = self._person_or_404(request, beneficiary_id, dpo=False)
        if actor is None:
            return not_found()
        if request.method == "POST":
            reason = request.POST.get("reason", "").strip()
            if not reason:
                messages.error(request, _("Indiquez le motif de l'effacement."))
            else:
                try:
                    anonymise_beneficiary(
                        actor=actor,
                        beneficiary_id=beneficiary_id,
                        reason=reason,
                        request_id=request_id(request),
                    )
                except LegalHoldActive:
                    messages.error(
                        request,
                        _("Effacement refusé : un gel juridique est actif pour cette personne."),
                    )
                else:
                    messages.success(request, _("La personne a été anonymisée."))
                    return redirect("admin:consent_dpo_index")
        return TemplateResponse(
            request,
            "admin/consent/dpo/erasure.html",
            self._context(request, _("Effacement (anonymisation)"), beneficiary_id=beneficiary_id),
        )


# --- Grant ledger ------------------------------------------------------------------------------


@admin.register(GrantEvent)
class GrantEventAdmin(ReadOnlyDPOAdmin):
    list_display = (
        "id",
        "at",
        "kind",
        "grant",
        "beneficiary_id",
        "organization",
        "user",
        "short_hash",
    )
    list_filter = ("kind", ("organization", admin.RelatedOnlyFieldListFilter), PeriodFilter)
    date_hierarchy = "at"
    list_select_related = ("organization", "user", "grant")

    def scope_queryset(self, request, queryset):
        actor = _actor(request)
        if actor.is_superuser:
            return queryset
        return queryset.filter(
            Q(organization_id__in=actor.organization_ids)
            | Q(grant__grantee_organization_id__in=actor.organization_ids)
            | Q(beneficiary_id__in=own_persons(actor))
        )

    @admin.display(description=_("empreinte"))
    def short_hash(self, row):
        return row.hash[:12]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export.json", view(self.export_json), name="consent_grantevent_export_json"),
            path("export.csv", view(self.export_csv), name="consent_grantevent_export_csv"),
            *super().get_urls(),
        ]

    def _rows(self, request):
        if not is_dpo(request):
            raise PermissionDenied
        queryset = self.get_changelist_instance(request).get_queryset(request).order_by("id")
        for row in queryset.iterator(chunk_size=2000):
            yield {
                "id": row.id,
                "at": row.at.isoformat(),
                "grant": str(row.grant_id),
                "beneficiary_id": str(row.beneficiary_id),
                "kind": row.kind,
                "organization": str(row.organization_id or ""),
                "user": row.user_id or "",
                "data": row.data,
                "prev_hash": row.prev_hash,
                "hash": row.hash,
            }

    def export_json(self, request):
        return json_response(list(self._rows(request)), "registre-des-autorisations.json")

    def export_csv(self, request):
        columns = [
            "id",
            "at",
            "grant",
            "beneficiary_id",
            "kind",
            "organization",
            "user",
            "data",
            "prev_hash",
            "hash",
        ]

        def rows():
            yield columns
            for row in self._rows(request):
                row["data"] = json.dumps(row["data"], ensure_ascii=False, sort_keys=True)
                yield [row[column] for column in columns]

        return csv_response(rows(), "registre-des-autorisations.csv")


@admin.register(ChainCheckpoint)
class ChainCheckpointAdmin(ReadOnlyDPOAdmin):
    list_display = ("id", "chain", "at", "last_id", "row_count", "head_hash")
    list_filter = ("chain",)

    def scope_queryset(self, request, queryset):
        return queryset


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyDPOAdmin):
    list_display = ("id", "kind", "at", "anchor_last_id")
    list_filter = ("kind",)
    readonly_fields = ("kind", "at", "pretty_report", "anchor_last_id", "anchor_hash", "signature")
    exclude = ("report",)

    def scope_queryset(self, request, queryset):
        return queryset

    @admin.display(description=_("rapport"))
    def pretty_report(self, run):
        return format_html("<pre>{}</pre>", json.dumps(run.report, indent=2, ensure_ascii=False))


# --- Grants (social workers) -------------------------------------------------------------------


class StatusFilter(admin.SimpleListFilter):
    title = _("statut")
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return [(s.value, s.label) for s in GrantStatus]

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == GrantStatus.ACTIVE:
            return queryset.active(now)
        if value == GrantStatus.WITHDRAWN:
            return queryset.withdrawn()
        if value == GrantStatus.EXPIRED:
            return queryset.expired(now)
        if value == GrantStatus.PENDING:
            return queryset.filter(withdrawn_at__isnull=True, valid_from__gt=now)
        return queryset


class GrantForm(forms.ModelForm):
    beneficiary_id = forms.UUIDField(
        label=_("identifiant de la personne"),
        help_text=_("Une personne dont votre organisation détient la fiche."),
    )
    purposes = forms.MultipleChoiceField(
        label=_("finalités"), choices=Purpose.choices, widget=forms.CheckboxSelectMultiple
    )
    categories = forms.MultipleChoiceField(
        label=_("catégories de données"),
        choices=Category.choices(),
        widget=forms.CheckboxSelectMultiple,
    )
    basis = forms.ChoiceField(
        label=_("base légale"), choices=[(b, Basis(b).label) for b in GRANT_BASES]
    )
    evidence_method = forms.ChoiceField(
        label=_("mode de recueil"), choices=EvidenceMethod.choices, required=False
    )

    class Meta:
        model = Grant
        fields = [
            "beneficiary_id",
            "basis",
            "legal_reference",
            "grantee_type",
            "grantee_organization",
            "grantee_group",
            "grantee_kind",
            "purposes",
            "categories",
            "valid_from",
            "valid_until",
            "evidence_method",
            "collected_by_name",
            "evidence_document",
            "family_information",
            "family_information_note",
        ]

    FIELD_MAP = {
        "grantee.organization": "grantee_organization",
        "grantee.group": "grantee_group",
        "grantee.kind": "grantee_kind",
        "grantee.type": "grantee_type",
        "grantee": "grantee_type",
        "evidence.method": "evidence_method",
        "evidence.collected_by": "collected_by_name",
    }

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["valid_from"].required = False
        self.fields["grantee_organization"].queryset = Organization.objects.filter(is_active=True)
        self.fields["grantee_group"].queryset = CoordinationGroup.objects.filter(is_active=True)

    def _post_clean(self):
        """Validation and saving are the service's (``record_grant`` in ``clean``)."""

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        request = self.request
        try:
            self.instance = record_grant(
                actor=_actor(request),
                beneficiary_id=cleaned["beneficiary_id"],
                basis=cleaned["basis"],
                grantee_type=cleaned["grantee_type"],
                grantee_organization_id=getattr(cleaned.get("grantee_organization"), "pk", None),
                grantee_group_id=getattr(cleaned.get("grantee_group"), "pk", None),
                grantee_kind=cleaned.get("grantee_kind") or "",
                purposes=cleaned["purposes"],
                categories=cleaned["categories"],
                valid_from=cleaned.get("valid_from"),
                valid_until=cleaned.get("valid_until"),
                evidence_method=cleaned.get("evidence_method") or "",
                collected_by_name=cleaned.get("collected_by_name") or "",
                collected_by_user_id=request.user.pk,
                evidence_document=cleaned.get("evidence_document"),
                legal_reference=cleaned.get("legal_reference") or "",
                family_information=cleaned.get("family_information") or "",
                family_information_note=cleaned.get("family_information_note") or "",
                request_id=request_id(request),
            )
        except InvalidGrant as exc:
            for error in exc.errors:
                name = self.FIELD_MAP.get(error["field"], error["field"].split("[")[0])
                self.add_error(name if name in self.fields else None, error["message"])
        except NotVisible:
            self.add_error("beneficiary_id", _("Personne inconnue de votre organisation."))
        except NotAllowed:
            self.add_error(
                "beneficiary_id",
                _("Seule une organisation détenant la fiche de la personne peut enregistrer."),
            )
        return cleaned


@admin.register(Grant)
class GrantAdmin(OrganizationScopedAdmin):
    form = GrantForm
    list_display = (
        "created_at",
        "beneficiary_short",
        "basis",
        "grantee_display",
        "granted_by",
        "purposes",
        "categories",
        "valid_until",
        "status_display",
    )
    list_filter = (
        StatusFilter,
        "basis",
        "grantee_type",
        ("granted_by", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("granted_by", "grantee_organization", "grantee_group")
    actions = ["withdraw_selected"]
    search_fields = ("legal_reference",)

    def scope_queryset(self, request, queryset):
        actor = _actor(request)
        if actor.is_superuser:
            return queryset
        if not actor.organization_ids:
            return queryset.none()
        return queryset.filter(
            Q(granted_by_id__in=actor.organization_ids)
            | Q(beneficiary_id__in=own_persons(actor))
            | policy.grantee_q(actor)
        )

    def get_search_results(self, request, queryset, search_term):
        import uuid

        try:
            value = uuid.UUID(search_term.strip())
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(Q(beneficiary_id=value) | Q(pk=value)), False

    def has_module_permission(self, request):
        return is_worker(request) or is_dpo(request)

    def has_view_permission(self, request, obj=None):
        return is_worker(request) or is_dpo(request)

    def has_add_permission(self, request, *args):
        return is_worker(request)

    def has_change_permission(self, request, obj=None):
        return False  # a grant is withdrawn, never edited

    def has_delete_permission(self, request, obj=None):
        return False

    def has_withdraw_permission(self, request):
        return is_worker(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, request=request, **kw)

        return RequestForm

    def save_model(self, request, obj, form, change):
        """Saved by ``record_grant`` in the form's validation (with ledger and audit rows)."""

    def save_related(self, request, form, formsets, change):
        pass

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return [f.name for f in Grant._meta.fields] + ["status_display", "receipt_link"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return super().get_fields(request, obj)
        return [
            "receipt_link",
            "status_display",
            "beneficiary",
            "basis",
            "legal_reference",
            "grantee_type",
            "grantee_organization",
            "grantee_group",
            "grantee_kind",
            "granted_by",
            "purposes",
            "categories",
            "valid_from",
            "valid_until",
            "evidence_method",
            "collected_by_name",
            "evidence_document",
            "family_information",
            "family_information_note",
            "review_due_at",
            "reviewed_at",
            "review_note",
            "withdrawn_at",
            "withdrawal_reason",
            "created_at",
        ]

    @admin.display(description=_("personne"))
    def beneficiary_short(self, grant):
        return str(grant.beneficiary_id)[:8]

    @admin.display(description=_("destinataire"))
    def grantee_display(self, grant):
        return grant.grantee_label

    @admin.display(description=_("statut"))
    def status_display(self, grant):
        return GrantStatus(grant.status).label

    @admin.display(description=_("reçu"))
    def receipt_link(self, grant):
        url = reverse("admin:consent_grant_receipt", args=[grant.pk])
        return format_html('<a href="{}">{}</a>', url, _("Reçu de consentement (imprimable)"))

    @admin.action(
        description=_("Retirer les autorisations sélectionnées"), permissions=["withdraw"]
    )
    def withdraw_selected(self, request, queryset):
        actor = _actor(request)
        done = 0
        for grant in queryset.filter(withdrawn_at__isnull=True):
            try:
                withdraw_grant(
                    actor=actor,
                    grant_id=grant.pk,
                    reason="retrait enregistré dans l'administration",
                    request_id=request_id(request),
                )
                done += 1
            except NotVisible:
                continue
        messages.success(request, _("%(n)d autorisation(s) retirée(s).") % {"n": done})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<uuid:grant_id>/recu/", view(self.receipt_view), name="consent_grant_receipt"),
            *super().get_urls(),
        ]

    def receipt_view(self, request, grant_id):
        grant = self.get_queryset(request).filter(pk=grant_id).select_related("granted_by").first()
        if grant is None or not self.has_view_permission(request, grant):
            raise Http404
        receipt = consent_receipt(grant)
        if request.GET.get("format") == "json":
            return json_response(receipt, f"recu-{grant_id}.json")
        return TemplateResponse(
            request,
            "consent/receipt.html",
            {
                "grant": grant,
                "receipt": receipt,
                "purposes": [Purpose(p).label for p in grant.purposes],
                "categories": [Category.LABELS[c] for c in grant.categories],
                "family": FamilyInformation(grant.family_information).label
                if grant.family_information
                else "",
            },
        )


# --- Coordination groups and legal holds ---------------------------------------------------------


@admin.register(CoordinationGroup)
class CoordinationGroupAdmin(OrganizationScopedAdmin):
    list_display = ("name", "coordinator_name", "coordinator_organization", "is_active")
    filter_horizontal = ("members",)

    def scope_queryset(self, request, queryset):
        actor = _actor(request)
        if actor.is_superuser:
            return queryset
        return queryset.filter(
            Q(coordinator_organization_id__in=actor.organization_ids)
            | Q(members__in=actor.organization_ids)
        ).distinct()

    def has_module_permission(self, request):
        return is_worker(request) or is_dpo(request)

    def has_view_permission(self, request, obj=None):
        return is_worker(request) or is_dpo(request)

    def has_add_permission(self, request, *args):
        return is_org_admin(request)

    def has_change_permission(self, request, obj=None):
        return is_org_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LegalHold)
class LegalHoldAdmin(OrganizationScopedAdmin):
    list_display = ("beneficiary_id", "placed_at", "placed_by", "released_at")

    def scope_queryset(self, request, queryset):
        actor = _actor(request)
        if actor.is_superuser:
            return queryset
        return queryset.filter(beneficiary_id__in=own_persons(actor))

    def get_fields(self, request, obj=None):
        return ("beneficiary", "reason", "released_at")

    def get_readonly_fields(self, request, obj=None):
        return ("beneficiary",) if obj else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "beneficiary":
            kwargs["queryset"] = policy.visible_beneficiaries(_actor(request))
            kwargs["widget"] = forms.TextInput
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.placed_by = request.user
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request):
        return is_org_admin(request) or is_dpo(request)

    def has_view_permission(self, request, obj=None):
        return is_org_admin(request) or is_dpo(request)

    def has_add_permission(self, request, *args):
        return is_org_admin(request)

    def has_change_permission(self, request, obj=None):
        return is_org_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False
