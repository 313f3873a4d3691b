"""Shared pieces of the exchanges admin."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from consent.admin.people import page_views, person_label

__all__ = ["ReadOnlyMixin", "page_views", "person_label", "MASKED_PARTNER"]

MASKED_PARTNER = _("Non communiqué : demander le consentement de la personne à la coordination")


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
