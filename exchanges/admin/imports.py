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
