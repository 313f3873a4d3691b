"""Resources of a plan (no personal data): capacity and today's occupancy."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone

from crisis.models import Resource
from hub.registry.admin.scoping import OrganizationScopedAdmin


@admin.register(Resource)
class ResourceAdmin(OrganizationScopedAdmin):
    list_display = ("name", "kind", "capacity", "occupied_today", "is_open")
    list_filter = ("kind", "is_open")
    fields = ("organization", "kind", "name", "address", "capacity", "is_open")
    organization_fields = ("organization",)

    @admin.display(description="Occupation aujourd'hui")
    def occupied_today(self, resource) -> int:
        return resource.bookings.filter(day=timezone.localdate()).count()

    def has_delete_permission(self, request, obj=None):
        return False
