"""Admin scoping: a staff member sees only rows of the organizations they are an active member of.

Use ``OrganizationScopedAdmin`` with ``organization_lookup`` naming the path from the model to its
organization (``"organization"``, ``"record__organization"``...). Superusers see everything. An
object outside the user's organizations is absent from lists, search, autocomplete and its change
URL (the admin answers "n'existe pas", exactly as for a missing object). A user without an active
membership sees nothing, whatever model permissions they hold. Model permissions come from the
role groups (``hub.registry.roles``).
"""

from __future__ import annotations

from django.contrib import admin

from hub.registry import territories
from hub.registry.actors import Actor
from hub.registry.admin import wording
from hub.registry.models import Organization


def actor_for_request(request) -> Actor:
    return Actor.for_user(request.user)


def has_scope(request) -> bool:
    """The user acts for at least one organization (or is a superuser)."""
    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    actor = actor_for_request(request)
    return actor.is_superuser or bool(actor.organization_ids)


class ScopedPermissionsMixin:
    """Model permissions apply only to users acting for at least one organization."""

    def has_module_permission(self, request):
        return has_scope(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return has_scope(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return has_scope(request) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, *args):
        return has_scope(request) and super().has_add_permission(request, *args)

    def has_delete_permission(self, request, obj=None):
        return has_scope(request) and super().has_delete_permission(request, obj)


class OrganizationScopedAdmin(ScopedPermissionsMixin, admin.ModelAdmin):
    organization_lookup = "organization"
    # Foreign keys to Organization offered in forms are limited to the user's organizations.
    organization_fields: tuple[str, ...] = ()

    def scope_queryset(self, request, queryset):
        actor = actor_for_request(request)
        if actor.is_superuser:
            return queryset
        if not actor.organization_ids:
            return queryset.none()
        return queryset.filter(**{f"{self.organization_lookup}__in": actor.organization_ids})

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        verb = wording.django_form_titles(self.opts).get(str(context.get("title", "")))
        if verb:
            context["title"] = wording.form_title(verb, self.opts)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        extra = {"title": wording.list_title(self.opts), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.organization_fields:
            kwargs["queryset"] = user_organizations(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInlineMixin(ScopedPermissionsMixin):
    """For inlines: the same permission rule as the scoped admins."""


def user_organizations(request):
    actor = actor_for_request(request)
    if actor.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(pk__in=actor.organization_ids)


def territory_organization_ids(request) -> tuple:
    """The organizations of a coordinator's territory (``hub.registry.territories``), once per
    request; empty for other roles."""
    cached = request.__dict__.get("_passerelle_territory")
    if cached is None:
        user = request.user
        cached = territories.territory_organization_ids(user.pk if user.is_authenticated else None)
        request.__dict__["_passerelle_territory"] = cached
    return cached
