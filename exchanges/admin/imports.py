"""Bulk import jobs of the organization (progress and counts; no personal data)."""

from __future__ import annotations

from django.contrib import admin

from exchanges.admin.common import ReadOnlyMixin
from exchanges.models import ImportJob
from hub.registry.admin.scoping import OrganizationScopedAdmin


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyMixin, OrganizationScopedAdmin):
    list_display = (
        "created_at",
        "organization",
        "status",
        "processed",
        "total",
        "created",
        "linked",
        "review",
        "rejected",
    )
    list_filter = ("status",)
    exclude = ("content",)

    def get_queryset(self, request):
        # An inline file is up to 8 MiB: never read for a list or a detail page.
        return super().get_queryset(request).defer("content")
