"""Households of an organization, written through ``hub.registry.households``.

Members are picked with the gated person autocomplete and labelled through the gate; each
save writes its outbox event and one access-log row per person it touched.
"""

from __future__ import annotations

from functools import partial

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from consent import gate
from hub.registry import households
from hub.registry.admin import gate as page_gate
from hub.registry.admin.autocomplete import GatedPersonChoiceField, PersonAutocompleteSelect
from hub.registry.admin.scoping import (
    OrganizationScopedAdmin,
    ScopedInlineMixin,
    actor_for_request,
)
from hub.registry.models import Household, HouseholdMember

RESOURCE = "household"


class HouseholdMemberInline(ScopedInlineMixin, admin.TabularInline):
    model = HouseholdMember
    extra = 0
    fields = ("beneficiary", "relationship", "since", "until")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "beneficiary":
            # Valid choices: persons the user may know of (a member whose identity grant was
            # withdrawn stays valid); offered by the autocomplete: identifiable persons only.
            kwargs["queryset"] = gate.visible(actor_for_request(request))
            kwargs["widget"] = PersonAutocompleteSelect(db_field, self.admin_site)
            kwargs["form_class"] = partial(
                GatedPersonChoiceField, request=request, resource="household_member"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Household)
class HouseholdAdmin(OrganizationScopedAdmin):
    service_backed = True
    organization_lookup = "created_by"
    organization_fields = ("created_by",)
    list_display = ("__str__", "label", "city", "created_by", "member_count", "created_at")
    search_fields = ("label", "city", "postcode")
    list_select_related = ("created_by",)
    fields = ("label", "address_line", "postcode", "city", "created_by")
    inlines = (HouseholdMemberInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_members=Count("members"))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The members' labels, in three queries (and their access-log rows).
            page_gate.page_views(
                request,
                obj.members.values_list("beneficiary_id", flat=True),
                resource="household_member",
            )
        return obj

    @admin.display(description=_("membres"), ordering="_members")
    def member_count(self, obj):
        return obj._members

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    # --- writes, through the service
    def save_model(self, request, obj, form, change):
        households.save_household(household=obj, created=not change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not HouseholdMember:
            return super().save_formset(request, form, formset, change)
        saved = formset.save(commit=False)
        deleted = list(formset.deleted_objects)
        households.save_members(household=form.instance, saved=saved, deleted=deleted)
        touched = [m.beneficiary_id for m in saved] + [m.beneficiary_id for m in deleted]
        page_gate.log_person_write(request, touched, action="update", resource=RESOURCE)

    def delete_model(self, request, obj):
        members = households.delete_household(household=obj)
        page_gate.log_person_write(request, members, action="delete", resource=RESOURCE)

    def delete_queryset(self, request, queryset):
        for household in queryset:
            self.delete_model(request, household)
