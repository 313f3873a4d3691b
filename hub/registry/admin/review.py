"""The review queue of possible duplicates (a face of identity matching).

* listed only if the user may see both persons (``review_access.both_visible``); both sides are
  read through the gate (purpose ``deduplication``): names and birth dates only where the
  viewer sees the identity, the masked label elsewhere; one access-log row per person shown;
* the side-by-side page compares the viewer's views (``review_display``);
* *Même personne* merges through ``exchanges.merges.merge_beneficiaries``, keeping the older
  person; *Personnes différentes* and *Plus tard* go through ``decide_review_item``: each
  decision writes its access-log rows and its outbox event (``review.decided``).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from exchanges.merges import decide_review_item, merge_beneficiaries
from hub.registry.admin import gate as page_gate
from hub.registry.admin.formats import score_percent
from hub.registry.admin.review_access import RoleAccessMixin, both_visible, may_decide
from hub.registry.admin.review_display import (
    INACTIVE_NOTICE,
    SOURCE_LABELS,
    field_rows,
    fresh_comparison,
    is_active_root,
    side_records,
)
from hub.registry.merging import MergeError
from hub.registry.models import ReviewItem, ReviewStatus

PURPOSE = "deduplication"
OPEN_STATUSES = (ReviewStatus.PENDING, ReviewStatus.LATER)


class SourceFilter(admin.SimpleListFilter):
    title = _("origine")
    parameter_name = "origine"

    def lookups(self, request, model_admin):
        return list(SOURCE_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(source=self.value()) if self.value() else queryset


class QueueFilter(admin.SimpleListFilter):
    """Default: the items still to decide (pending, then postponed)."""

    title = _("statut")
    parameter_name = "file"
    OPEN, ALL = "a_traiter", "tous"

    def lookups(self, request, model_admin):
        return [
            (self.OPEN, _("À traiter (à examiner ou reporté)")),
            *ReviewStatus.choices,
            (self.ALL, _("Tous")),
        ]

    def value(self):
        return super().value() or self.OPEN

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.ALL:
            return queryset
        if value == self.OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        if value in ReviewStatus.values:
            return queryset.filter(status=value)
        return queryset.none()

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


def pair_views(request, rows, first: str, second: str, *, resource: str) -> dict:
    """The viewer's views of both persons of every row, each display logged."""
    ids = [getattr(row, name) for row in rows for name in (first, second)]
    return page_gate.page_views(request, ids, resource=resource, purpose=PURPOSE)


class PairChangeList(ChangeList):
    """A page of pairs, both sides read through the gate in three queries."""

    pair = ("beneficiary_a_id", "beneficiary_b_id")
    resource = "review_item"

    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)
        views = pair_views(request, rows, *self.pair, resource=self.resource)
        for row in rows:
            row._views = views
        self.result_list = rows


@admin.register(ReviewItem)
class ReviewItemAdmin(RoleAccessMixin, admin.ModelAdmin):
    service_backed = True
    list_display = (
        "person_a",
        "person_b",
        "score_display",
        "grade",
        "status",
        "source_display",
        "created_at",
    )
    list_display_links = ("person_a", "person_b")
    list_filter = (QueueFilter, "grade", SourceFilter)
    list_per_page = 50
    actions = ("mark_distinct", "mark_later")
    review_template = "admin/registry/reviewitem/review.html"

    def get_changelist(self, request, **kwargs):
        return PairChangeList

    def get_queryset(self, request):
        # annotated before ordering: postponed items come after the pending ones
        queryset = self.model._default_manager.get_queryset().annotate(
            _queue_rank=Case(
                When(status=ReviewStatus.LATER, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        queryset = both_visible(request, queryset, "beneficiary_a", "beneficiary_b")
        return queryset.order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return ("_queue_rank", "-score", "created_at")

    # --- list (no ordering by a person: a masked row would show where its name sorts)
    @admin.display(description=_("personne A"))
    def person_a(self, obj):
        return page_gate.birth_label(getattr(obj, "_views", {}), obj.beneficiary_a_id)

    @admin.display(description=_("personne B"))
    def person_b(self, obj):
        return page_gate.birth_label(getattr(obj, "_views", {}), obj.beneficiary_b_id)

    @admin.display(description=_("score"), ordering="score")
    def score_display(self, obj):
        return score_percent(obj.score)

    @admin.display(description=_("origine"), ordering="source")
    def source_display(self, obj):
        return SOURCE_LABELS.get(obj.source, obj.source)

    # --- decisions
    def _decide(self, request, items, status) -> int:
        count = 0
        for item in items:
            if item.status not in OPEN_STATUSES:
                continue
            decide_review_item(
                actor=page_gate.actor_of(request),
                review_item=item,
                status=status,
                user=request.user,
                request_id=getattr(request, "request_id", ""),
            )
            self.log_change(request, item, str(ReviewStatus(status).label))
            count += 1
        return count

    @admin.action(description=_("Personnes différentes"), permissions=["decide"])
    def mark_distinct(self, request, queryset):
        count = self._decide(request, queryset, ReviewStatus.DISTINCT)
        self.message_user(
            request, _("%(n)d paire(s) marquée(s) « personnes différentes ».") % {"n": count}
        )

    @admin.action(description=_("Plus tard"), permissions=["decide"])
    def mark_later(self, request, queryset):
        count = self._decide(request, queryset, ReviewStatus.LATER)
        self.message_user(request, _("%(n)d paire(s) reportée(s).") % {"n": count})

    mark_distinct.service_backed = mark_later.service_backed = True

    def save_model(self, request, obj, form, change):
        raise PermissionDenied  # decisions go through the side-by-side page or the actions

    def delete_model(self, request, obj):
        raise PermissionDenied

    # --- side-by-side page (replaces the change form)
    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.get_object(request, unquote(object_id))
        if item is None or not self.has_view_permission(request, item):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if request.method == "POST":
            return self._post_decision(request, item)
        a, b = item.beneficiary_a, item.beneficiary_b
        views = pair_views(
            request, [item], "beneficiary_a_id", "beneficiary_b_id", resource="review_item"
        )
        view_a, view_b = views.get(a.pk), views.get(b.pk)
        fresh = fresh_comparison(view_a, view_b)
        explanation = fresh.explanation if fresh is not None else item.explanation
        rows = field_rows(view_a, view_b, explanation, recomputed=fresh is not None)
        label_a, label_b = page_gate.label(views, a.pk), page_gate.label(views, b.pk)
        target = min((a, b), key=lambda p: (p.created_at, str(p.pk)))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": _("Doublon possible : %(a)s ou %(b)s ?") % {"a": label_a, "b": label_b},
            "subtitle": None,
            "original": item,
            "item": item,
            "link_a": page_gate.person_link(views, a.pk),
            "link_b": page_gate.person_link(views, b.pk),
            "fresh": fresh,
            "fresh_score": score_percent(fresh.score) if fresh else None,
            "filed_score": score_percent(item.score),
            "source_label": SOURCE_LABELS.get(item.source, item.source),
            "rows": rows,
            "agreeing": [r for r in rows if r["agreement"] == "agree"],
            "disagreeing": [r for r in rows if r["agreement"] == "disagree"],
            "side_a": side_records(request, a, view_a),
            "side_b": side_records(request, b, view_b),
            "can_decide": may_decide(request) and item.status in OPEN_STATUSES,
            "inactive_notice": None if is_active_root(a) and is_active_root(b) else INACTIVE_NOTICE,
            "target": page_gate.label(views, target.pk),
            "has_view_permission": True,
            "changelist_url": self._changelist_url(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.review_template, context)

    def _changelist_url(self, request) -> str:
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        filters = request.GET.get("_changelist_filters")
        return f"{url}?{filters}" if filters else url

    def _post_decision(self, request, item):
        if not may_decide(request):
            raise PermissionDenied
        here = request.get_full_path()
        if item.status not in OPEN_STATUSES:
            self.message_user(request, _("Cette paire a déjà été tranchée."), messages.WARNING)
            return HttpResponseRedirect(here)
        choice = request.POST.get("decision")
        if choice == "same":
            return self._merge(request, item, here)
        if choice in ("distinct", "later"):
            status = ReviewStatus.DISTINCT if choice == "distinct" else ReviewStatus.LATER
            self._decide(request, [item], status)
            self.message_user(
                request,
                _("Personnes différentes : cette paire ne sera plus proposée.")
                if choice == "distinct"
                else _("Paire reportée : elle reste dans la file."),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(self._changelist_url(request))
        self.message_user(request, _("Choix inconnu."), messages.ERROR)
        return HttpResponseRedirect(here)

    def _merge(self, request, item, here):
        a, b = item.beneficiary_a, item.beneficiary_b
        if not (is_active_root(a) and is_active_root(b)):
            self.message_user(request, INACTIVE_NOTICE, messages.ERROR)
            return HttpResponseRedirect(here)
        target, source = sorted((a, b), key=lambda p: (p.created_at, str(p.pk)))
        views = pair_views(
            request, [item], "beneficiary_a_id", "beneficiary_b_id", resource="review_item"
        )
        try:
            merge_beneficiaries(
                actor=page_gate.actor_of(request),
                source_id=source.pk,
                target_id=target.pk,
                user=request.user,
                review_item=item,
                request_id=getattr(request, "request_id", ""),
            )
        except MergeError as exc:
            self.message_user(request, _("Fusion impossible : %(e)s") % {"e": exc}, messages.ERROR)
            return HttpResponseRedirect(here)
        self.log_change(request, item, str(ReviewStatus.MERGED.label))
        self.message_user(
            request,
            _("Même personne : %(s)s est fusionnée dans %(t)s (réversible).")
            % {"s": page_gate.label(views, source.pk), "t": page_gate.label(views, target.pk)},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._changelist_url(request))
