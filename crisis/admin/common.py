"""Shared pieces of the crisis admin: the actor, the page context, the module permission."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from hub.registry.actors import Actor
from hub.registry.admin.scoping import ScopedPermissionsMixin


def actor_of(request) -> Actor:
    return Actor.for_user(request.user)


class WritesThroughServices:
    """For admins whose every write goes through a crisis service from their own views: the
    generic change form saves and deletes nothing around it."""

    service_backed = True

    def save_model(self, request, obj, form, change):
        raise PermissionDenied

    def delete_model(self, request, obj):
        raise PermissionDenied

    def delete_queryset(self, request, queryset):
        raise PermissionDenied


class CrisisAdminMixin(ScopedPermissionsMixin):
    """Pages of the crisis admin: French, scoped to the user's organizations by the services."""

    def page(self, request, template: str, title: str, **context):
        return TemplateResponse(
            request,
            f"admin/crisis/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                **context,
            },
        )
