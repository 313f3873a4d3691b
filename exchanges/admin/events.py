"""The outbox events that concern the organization (thin: types and ids)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q

from exchanges.admin.common import ReadOnlyMixin
from hub.outbox.models import Event
from hub.registry.admin.scoping import OrganizationScopedAdmin, actor_for_request


@admin.register(Event)
class EventAdmin(ReadOnlyMixin, OrganizationScopedAdmin):
    list_display = ("id", "type", "organization", "recipient", "occurred_at")
    list_filter = ("type",)
    exclude = ("xid",)

    def scope_queryset(self, request, queryset):
        actor = actor_for_request(request)
        if actor.is_superuser:
            return queryset
        orgs = list(actor.organization_ids)
        return queryset.filter(Q(organization__in=orgs) | Q(recipient__in=orgs))
