"""The access log for the DPO: filters, French labels, CSV and JSON exports (each export is an
access-log row itself, resource ``dpo_export``), and the entry point of the DPO tools.

A DPO sees the rows of the organizations they are DPO of, and the accesses other partners made
under a grant one of those organizations recorded (it disclosed that data); superusers see
everything.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from consent.admin import dpo
from consent.admin.common import (
    ACTION_LABELS,
    ReadOnlyDPOAdmin,
    action_label,
    basis_label,
    category_label,
    csv_response,
    decision_label,
    dpo_actor,
    french_datetime,
    is_dpo,
    json_response,
    labels,
    purpose_label,
)
from consent.audit import log_access
from consent.models import AccessLog, Grant
from consent.policy import as_uuid


class ActionFilter(admin.SimpleListFilter):
    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return [(code, label) for code, label in ACTION_LABELS.items()]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(action=value) if value else queryset


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
        "at": timezone.localtime(row.at).isoformat(),
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


def log_export(request, *, beneficiary_id=None, what: str) -> None:
    """A DPO export is an access to personal data: one access-log row."""
    with transaction.atomic():
        log_access(
            actor=dpo_actor(request),
            action="export",
            resource="dpo_export",
            decision="allow",
            beneficiary_id=beneficiary_id,
            purpose=what[:60],
            request_id=getattr(request, "request_id", ""),
        )


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyDPOAdmin):
    list_display = (
        "at",
        "organization",
        "user",
        "action_display",
        "person_link",
        "categories_display",
        "purpose_display",
        "basis_display",
        "decision_display",
    )
    fields = (
        "at_display",
        "organization",
        "user",
        "client",
        "action_display",
        "person_link",
        "categories_display",
        "purpose_display",
        "basis_display",
        "grant_id",
        "decision_display",
        "request_id",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields
    list_filter = (
        "decision",
        ActionFilter,
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
        who = dpo_actor(request)
        if who.is_superuser:
            return queryset
        if not who.organization_ids:
            return queryset.none()
        recorded = Grant.objects.filter(granted_by_id__in=who.organization_ids).values("pk")
        return queryset.filter(
            Q(organization_id__in=who.organization_ids) | Q(grant_id__in=recorded)
        )

    def lookup_allowed(self, lookup, value, request=None):
        if lookup in ("beneficiary_id", "grant_id"):
            return True
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            value = uuid.UUID(term)
        except ValueError:
            return queryset.filter(request_id=term), False
        return queryset.filter(Q(beneficiary_id=value) | Q(grant_id=value)), False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:  # the title would print the codes of ``str(row)``
            label = _("Ligne n° %(id)s : %(action)s, %(decision)s") % {
                "id": obj.pk,
                "action": action_label(obj.action, obj.resource),
                "decision": decision_label(obj.decision),
            }
            context.update(original=label, subtitle=label)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("date"))
    def at_display(self, row):
        return french_datetime(row.at)

    @admin.display(description=_("action"))
    def action_display(self, row):
        return action_label(row.action, row.resource)

    @admin.display(description=_("catégories de données"))
    def categories_display(self, row):
        return labels(row.categories, category_label)

    @admin.display(description=_("finalité"))
    def purpose_display(self, row):
        return purpose_label(row.purpose) if row.purpose else "—"

    @admin.display(description=_("base"))
    def basis_display(self, row):
        return basis_label(row.basis)

    @admin.display(description=_("décision"))
    def decision_display(self, row):
        return decision_label(row.decision)

    @admin.display(description=_("personne"))
    def person_link(self, row):
        if not row.beneficiary_id:
            return "—"
        url = reverse("admin:consent_dpo_person", args=[row.beneficiary_id])
        return format_html('<a href="{}">n° {}</a>', url, str(row.beneficiary_id)[:8].upper())

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export.csv", view(self.export_csv), name="consent_accesslog_export_csv"),
            path("export.json", view(self.export_json), name="consent_accesslog_export_json"),
            *dpo.urls(self),
            *super().get_urls(),
        ]

    def _filtered(self, request, what: str):
        if not is_dpo(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        person = as_uuid(request.GET.get("beneficiary_id"))
        log_export(request, beneficiary_id=person, what=what)
        return (
            changelist.get_queryset(request).select_related("organization", "user").order_by("id")
        )

    def export_csv(self, request):
        queryset = self._filtered(request, "access_log_csv")

        def rows():
            yield ACCESS_COLUMNS
            for row in queryset.iterator(chunk_size=2000):
                data = access_row(row)
                data["categories"] = " ".join(data["categories"])
                yield [data[column] for column in ACCESS_COLUMNS]

        return csv_response(rows(), "journal-des-acces.csv")

    def export_json(self, request):
        queryset = self._filtered(request, "access_log_json")
        return json_response(
            [access_row(row) for row in queryset.iterator(chunk_size=2000)],
            "journal-des-acces.json",
        )
