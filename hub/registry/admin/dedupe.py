"""Dedupe runs (batch re-scoring of the registry): progress, read-only. No person is shown."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hub.registry.admin.review_access import RoleAccessMixin
from hub.registry.models import DedupeRun

RUN_STATUS_LABELS = {
    "running": _("en cours"),
    "done": _("terminé"),
    "abandoned": _("abandonné"),
}


class RunStatusFilter(admin.SimpleListFilter):
    title = _("statut")
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return list(RUN_STATUS_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(DedupeRun)
class DedupeRunAdmin(RoleAccessMixin, admin.ModelAdmin):
    list_display = (
        "started_at",
        "status_display",
        "progress_display",
        "pairs_scored",
        "review_items",
        "merges",
        "finished_at",
    )
    fields = (
        "started_at",
        "status_display",
        "progress_display",
        "pairs_scored",
        "review_items",
        "merges",
        "skipped_count",
        "finished_at",
    )
    readonly_fields = fields
    list_filter = (RunStatusFilter,)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("statut"), ordering="status")
    def status_display(self, obj):
        return RUN_STATUS_LABELS.get(obj.status, obj.status)

    @admin.display(description=_("avancement"))
    def progress_display(self, obj):
        percent = round(obj.progress * 100)
        return format_html(
            '<progress value="{}" max="{}"></progress> {}/{} ({} %)',
            obj.done_chunks,
            obj.total_chunks or 1,
            obj.done_chunks,
            obj.total_chunks,
            percent,
        )

    @admin.display(description=_("clés écartées (blocs trop grands)"))
    def skipped_count(self, obj):
        return len(obj.skipped_keys or [])
