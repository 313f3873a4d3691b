"""Admin scoping: a staff member sees only rows of the organizations they are an active member of.

Use ``OrganizationScopedAdmin`` with ``organization_lookup`` naming the path from the model to its
organization (``"organization"``, ``"record__organization"``...). Superusers see everything. An
object outside the user's organizations is absent from lists, search and its change URL (404).
"""

from __future__ import annotations

from django.contrib import admin

from hub.registry.actors import Actor


def actor_for_request(request) -> Actor:
    return Actor.for_user(request.user)


class OrganizationScopedAdmin(admin.ModelAdmin):
    organization_lookup = "organization"

    def scope_queryset(self, request, queryset):
        actor = actor_for_request(request)
        if actor.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.organization_lookup}__in": actor.organization_ids})

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def has_module_permission(self, request):
        return request.user.is_active and (
            request.user.is_superuser or bool(actor_for_request(request).organization_ids)
        )
