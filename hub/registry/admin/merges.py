"""The merge history: merges of persons the user may both see, read through the gate.

Both persons of a merge are labelled with what the viewer sees (purpose ``deduplication``),
each display logged (resource ``merge``); undoing goes through
``exchanges.merges.unmerge_beneficiaries`` (audit rows and event).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from exchanges.merges import unmerge_beneficiaries
from hub.registry.admin import gate as page_gate
from hub.registry.admin.formats import score_percent
from hub.registry.admin.review import PURPOSE, PairChangeList
from hub.registry.admin.review_access import RoleAccessMixin, both_visible, may_decide
from hub.registry.merging import MergeError
from hub.registry.models import Merge


class MergeChangeList(PairChangeList):
    pair = ("source_id", "target_id")
    resource = "merge"


@admin.register(Merge)
class MergeAdmin(RoleAccessMixin, admin.ModelAdmin):
    service_backed = True
    list_display = (
        "source_display",
        "target_display",
        "score_display",
        "merged_by_display",
        "merged_at",
        "undone",
        "unmerged_by",
        "unmerged_at",
    )
    list_filter = (("unmerged_at", admin.EmptyFieldListFilter), "merged_at")
    list_select_related = ("merged_by", "unmerged_by")
    list_per_page = 50
    fields = (
        "source_display",
        "target_display",
        "score_display",
        "merged_by_display",
        "merged_at",
        "review_item_display",
        "unmerged_by",
        "unmerged_at",
    )
    readonly_fields = fields
    actions = ("unmerge_selected",)

    def get_changelist(self, request, **kwargs):
        return MergeChangeList

    def get_queryset(self, request):
        return both_visible(request, super().get_queryset(request), "source", "target")

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._views = page_gate.page_views(
                request, [obj.source_id, obj.target_id], resource="merge", purpose=PURPOSE
            )
        return obj

    # read-only pages; undoing is an action
    def has_change_permission(self, request, obj=None):
        return False

    def has_unmerge_permission(self, request):
        return may_decide(request)

    @admin.display(description=_("fusionnée"))
    def source_display(self, obj):
        return page_gate.birth_label(getattr(obj, "_views", {}), obj.source_id)

    @admin.display(description=_("conservée"))
    def target_display(self, obj):
        return page_gate.birth_label(getattr(obj, "_views", {}), obj.target_id)

    @admin.display(description=_("score"), ordering="score")
    def score_display(self, obj):
        return score_percent(obj.score)

    @admin.display(description=_("fusionnée par"), ordering="merged_by")
    def merged_by_display(self, obj):
        return obj.merged_by or _("dédoublonnage automatique")

    @admin.display(description=_("annulée"), boolean=True)
    def undone(self, obj):
        return obj.unmerged_at is not None

    @admin.display(description=_("doublon examiné"))
    def review_item_display(self, obj):
        if not obj.review_item_id:
            return "—"
        url = reverse("admin:registry_reviewitem_change", args=[obj.review_item_id])
        return format_html('<a href="{}">{}</a>', url, _("voir la comparaison"))

    @admin.action(description=_("Annuler la fusion"), permissions=["unmerge"])
    def unmerge_selected(self, request, queryset):
        done = 0
        for merge in queryset.filter(unmerged_at__isnull=True):
            try:
                unmerge_beneficiaries(
                    actor=page_gate.actor_of(request),
                    merge_id=merge.pk,
                    user=request.user,
                    request_id=getattr(request, "request_id", ""),
                )
            except MergeError as exc:
                self.message_user(
                    request,
                    _("%(m)s : annulation impossible (%(e)s).") % {"m": merge, "e": exc},
                    messages.ERROR,
                )
                continue
            done += 1
        if done:
            self.message_user(
                request, _("%(n)d fusion(s) annulée(s).") % {"n": done}, messages.SUCCESS
            )

    unmerge_selected.service_backed = True
