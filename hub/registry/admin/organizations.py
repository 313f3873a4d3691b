"""Organizations and memberships: configuration, written through ``hub.registry.config``.

Each save writes its outbox event (``organization.updated``, ``membership.changed``) and an
access-log row with resource ``configuration`` (no person) in the request's transaction.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q

from hub.registry import config
from hub.registry.admin.gate import log_configuration
from hub.registry.admin.scoping import OrganizationScopedAdmin, actor_for_request
from hub.registry.models import Membership, Organization


@admin.register(Organization)
class OrganizationAdmin(OrganizationScopedAdmin):
    service_backed = True
    organization_lookup = "pk"
    list_display = ("name", "kind", "siret", "trust_level", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "siret")
    ordering = ("name",)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ("created_at",)
        # The kind and the trust level weigh on the golden records of every partner.
        return ("kind", "trust_level", "is_active", "created_at")

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False  # organizations are deactivated, never deleted (records point to them)

    def save_model(self, request, obj, form, change):
        config.update_organization(organization=obj, fields=list(form.changed_data))
        log_configuration(request, action="update" if change else "create")

    def delete_model(self, request, obj):
        raise NotImplementedError("organizations are never deleted")

    def delete_queryset(self, request, queryset):
        raise NotImplementedError("organizations are never deleted")


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "organization", "role", "is_active")


@admin.register(Membership)
class MembershipAdmin(OrganizationScopedAdmin):
    service_backed = True
    form = MembershipForm
    organization_fields = ("organization",)
    list_display = ("user", "organization", "role", "is_active", "updated_by", "updated_at")
    list_filter = ("role", "is_active")
    search_fields = ("user__username", "user__first_name", "user__last_name", "user__email")
    readonly_fields = ("updated_by", "created_at", "updated_at")
    list_select_related = ("user", "organization", "updated_by")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # Users already in the organizations of the signed-in user, or without any membership.
            actor = actor_for_request(request)
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(
                    Q(memberships__organization_id__in=actor.organization_ids)
                    | Q(memberships__isnull=True)
                )
                .distinct()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        config.save_membership(
            membership=obj, by=request.user, previous_user_id=form.initial.get("user")
        )
        log_configuration(request, action="update" if change else "create")

    def delete_model(self, request, obj):
        config.delete_memberships(memberships=[obj], by=request.user)
        log_configuration(request, action="delete")

    def delete_queryset(self, request, queryset):
        config.delete_memberships(memberships=queryset.select_related("user"), by=request.user)
        log_configuration(request, action="delete")
