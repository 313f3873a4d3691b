"""The grant ledger and the signed checkpoints, read-only, for the DPO."""

from __future__ import annotations

import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.admin.accesslog import PeriodFilter, log_export
from consent.admin.common import (
    ReadOnlyDPOAdmin,
    csv_response,
    dpo_actor,
    is_dpo,
    json_response,
)
from consent.admin.grants import grants_visible_in_admin
from consent.models import ChainCheckpoint, GrantEvent

LEDGER_COLUMNS = [
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


@admin.register(GrantEvent)
class GrantEventAdmin(ReadOnlyDPOAdmin):
    list_display = ("id", "at", "kind", "grant", "person_ref", "organization", "user", "short_hash")
    list_filter = ("kind", ("organization", admin.RelatedOnlyFieldListFilter), PeriodFilter)
    date_hierarchy = "at"
    list_select_related = ("organization", "user", "grant")

    def scope_queryset(self, request, queryset):
        """Events of the grants the DPO's organizations recorded or received."""
        who = dpo_actor(request)
        if who.is_superuser:
            return queryset
        return queryset.filter(grant__in=grants_visible_in_admin(who).values("pk"))

    @admin.display(description=_("personne"))
    def person_ref(self, row):
        return f"n° {str(row.beneficiary_id)[:8].upper()}"

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

    def _rows(self, request, what: str):
        if not is_dpo(request):
            raise PermissionDenied
        log_export(request, what=what)
        queryset = self.get_changelist_instance(request).get_queryset(request).order_by("id")
        return (
            {
                "id": row.id,
                "at": timezone.localtime(row.at).isoformat(),
                "grant": str(row.grant_id),
                "beneficiary_id": str(row.beneficiary_id),
                "kind": row.kind,
                "organization": str(row.organization_id or ""),
                "user": row.user_id or "",
                "data": row.data,
                "prev_hash": row.prev_hash,
                "hash": row.hash,
            }
            for row in queryset.iterator(chunk_size=2000)
        )

    def export_json(self, request):
        rows = list(self._rows(request, "grant_ledger_json"))
        return json_response(rows, "registre-des-autorisations.json")

    def export_csv(self, request):
        source = self._rows(request, "grant_ledger_csv")

        def rows():
            yield LEDGER_COLUMNS
            for row in source:
                row["data"] = json.dumps(row["data"], ensure_ascii=False, sort_keys=True)
                yield [row[column] for column in LEDGER_COLUMNS]

        return csv_response(rows(), "registre-des-autorisations.csv")


@admin.register(ChainCheckpoint)
class ChainCheckpointAdmin(ReadOnlyDPOAdmin):
    list_display = ("id", "chain", "at", "last_id", "row_count", "head_hash")
    list_filter = ("chain",)

    def scope_queryset(self, request, queryset):
        return queryset  # heads of the chains: no personal data
