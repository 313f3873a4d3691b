"""Retention runs (read-only, DPO) and legal holds (organization administrators)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from consent import policy
from consent.admin.common import ReadOnlyDPOAdmin, actor, is_dpo, is_org_admin
from consent.admin.people import PersonSelect, gated_changelist, row_label
from consent.audit import log_access
from consent.models import LegalHold, RetentionRun
from hub.outbox.emit import emit
from hub.registry.admin.scoping import OrganizationScopedAdmin, actor_for_request
from hub.registry.models import PartnerRecord


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyDPOAdmin):
    list_display = ("id", "kind", "at", "anchor_last_id")
    list_filter = ("kind",)
    readonly_fields = ("kind", "at", "pretty_report", "anchor_last_id", "anchor_hash", "signature")
    exclude = ("report",)

    def scope_queryset(self, request, queryset):
        return queryset  # counts and ids, the operator's and every DPO's concern

    @admin.display(description=_("rapport"))
    def pretty_report(self, run):
        return format_html("<pre>{}</pre>", json.dumps(run.report, indent=2, ensure_ascii=False))


def own_persons(who):
    return PartnerRecord.objects.filter(organization_id__in=who.organization_ids).values(
        "beneficiary_id"
    )


@admin.register(LegalHold)
class LegalHoldAdmin(OrganizationScopedAdmin):
    list_display = ("person_column", "placed_at", "placed_by", "released_at")

    def scope_queryset(self, request, queryset):
        who = actor(request)
        if who.is_superuser:
            return queryset
        return queryset.filter(beneficiary_id__in=own_persons(who))

    def get_changelist(self, request, **kwargs):
        return gated_changelist(super().get_changelist(request, **kwargs), resource="legal_hold")

    @admin.display(description=_("personne"))
    def person_column(self, hold):
        return row_label(hold)

    def get_fields(self, request, obj=None):
        return ("beneficiary", "reason", "released_at")

    def get_readonly_fields(self, request, obj=None):
        return ("beneficiary",) if obj else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "beneficiary":
            who = actor(request)
            persons = policy.visible_beneficiaries(who)
            if not who.is_superuser:
                persons = persons.filter(pk__in=own_persons(who))
            kwargs["queryset"] = persons
            kwargs["widget"] = PersonSelect("admin:consent_dpo_persons")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # A hold is placed or lifted here with its access row and event, in the request's
    # transaction (what the services of the other admins do).
    service_backed = True

    def save_model(self, request, obj, form, change):
        if not change:
            obj.placed_by = request.user
        super().save_model(request, obj, form, change)
        actor = actor_for_request(request)
        log_access(
            actor=actor,
            action="write",
            resource="legal_hold",
            decision="allow",
            beneficiary_id=obj.beneficiary_id,
            request_id=getattr(request, "request_id", ""),
        )
        emit(
            type="legal_hold.changed" if change else "legal_hold.placed",
            organization_id=actor.organization_id,
            subject_id=obj.pk,
        )

    def delete_model(self, request, obj):
        raise PermissionDenied

    def delete_queryset(self, request, queryset):
        raise PermissionDenied

    def has_module_permission(self, request):
        return is_org_admin(request) or is_dpo(request)

    def has_view_permission(self, request, obj=None):
        return is_org_admin(request) or is_dpo(request)

    def has_add_permission(self, request, *args):
        return is_org_admin(request)

    def has_change_permission(self, request, obj=None):
        return is_org_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False
