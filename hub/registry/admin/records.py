"""Partner records: each organization reads its own (superusers every one), read-only.

Opening a record writes its access-log row (resource ``record``); the person a record belongs
to is labelled through the gate, in lists and on the page.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from consent.audit import log_access
from consent.vocab import Basis, Category
from hub.registry.admin import gate as page_gate
from hub.registry.admin.scoping import OrganizationScopedAdmin, actor_for_request
from hub.registry.admin.search import search_words
from hub.registry.models import PartnerRecord


class RecordChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)
        views = page_gate.page_views(
            request, [row.beneficiary_id for row in rows], resource="record_list"
        )
        for row in rows:
            row._views = views
        self.result_list = rows


@admin.register(PartnerRecord)
class PartnerRecordAdmin(OrganizationScopedAdmin):
    list_display = ("external_id", "organization", "person", "version", "updated_at")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("external_id",)
    search_help_text = _("Identifiant chez le partenaire, nom ou prénom.")
    list_select_related = ("organization",)
    fields = ("organization", "external_id", "person", "payload_display", "has_nir", "version")
    readonly_fields = fields
    ordering = ("-updated_at",)

    def get_changelist(self, request, **kwargs):
        return RecordChangeList

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            return None
        actor = actor_for_request(request)
        own = obj.organization_id in actor.organization_ids
        logged = request.__dict__.setdefault("_passerelle_record_logged", set())
        if obj.pk not in logged:
            logged.add(obj.pk)
            log_access(
                actor=actor,
                action="read",
                resource="record",
                decision="allow",
                beneficiary_id=obj.beneficiary_id,
                categories=sorted((Category.IDENTITY, Category.CONTACT)),
                purpose=page_gate.ADMIN_PURPOSE,
                basis=Basis.OWN_RECORD if own else Basis.SUPERUSER,
                request_id=getattr(request, "request_id", ""),
            )
        obj._views = page_gate.page_views(
            request, [obj.beneficiary_id], resource="record", log=False
        )
        return obj

    def get_search_results(self, request, queryset, search_term):
        """Each word must match the external id or a name the partner sent (case-insensitive):
        the records searched are the viewer's own (the queryset is scoped)."""
        for bit in search_words(search_term):
            condition = Q(external_id__icontains=bit)
            for field in ("birth_name", "usage_name", "first_names"):
                condition |= Q(**{f"payload__{field}__icontains": bit})
            queryset = queryset.filter(condition)
        return queryset, False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("personne (fiche consolidée)"))
    def person(self, obj):
        return page_gate.person_link(getattr(obj, "_views", {}), obj.beneficiary_id)

    @admin.display(description=_("données transmises"))
    def payload_display(self, obj):
        text = json.dumps(obj.payload, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", text)

    @admin.display(description=_("NIR transmis"), boolean=True)
    def has_nir(self, obj):
        return bool(obj.nir_hash)
