"""Coordination groups (CASF L121-6-2): members see them, organization administrators edit."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q

from consent.admin.common import actor, is_dpo, is_org_admin, is_worker
from consent.models import CoordinationGroup
from hub.registry.admin.scoping import OrganizationScopedAdmin


@admin.register(CoordinationGroup)
class CoordinationGroupAdmin(OrganizationScopedAdmin):
    list_display = ("name", "coordinator_name", "coordinator_organization", "is_active")
    filter_horizontal = ("members",)

    def scope_queryset(self, request, queryset):
        who = actor(request)
        if who.is_superuser:
            return queryset
        return queryset.filter(
            Q(coordinator_organization_id__in=who.organization_ids)
            | Q(members__in=who.organization_ids)
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
