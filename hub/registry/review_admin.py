"""Admin of identity matching (a face): the review queue, the merge history, dedupe runs.

Registered from ``RegistryConfig.ready()`` (``hub/registry/admin.py`` belongs to the registry
admin). Rules:

* a review item is listed only if the user may see *both* persons
  (``consent.policy.visible_beneficiaries``): a reviewer decides with both sides in view.
  Superusers see every item. The same holds for the merge history;
* roles: travailleur social and coordinateur decide; DPO and administrateur d'organisation read;
  superusers do everything. Roles come from the user's active memberships;
* every display of a person (list row, side-by-side page) writes one access-log row per person
  and request (action ``read``, resource ``review_item`` or ``merge``), with the policy decision;
* *Même personne* merges through ``exchanges.merges.merge_beneficiaries`` (audit row and event),
  keeping the older person; *Personnes différentes* is remembered (``decide_review``): neither
  intake nor the batch proposes the pair again; *Plus tard* keeps the item in the queue, after
  the pending ones.

The side-by-side page recomputes the comparison with the current model on today's golden
records (they change as partners update their records and as merges happen); the score filed
with the item is shown beside it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from consent import policy
from consent.audit import log_access
from consent.policy import Category
from exchanges.merges import merge_beneficiaries, unmerge_beneficiaries
from hub import matching
from hub.registry.actors import Actor
from hub.registry.intake import current_model
from hub.registry.merging import MergeError, decide_review
from hub.registry.models import (
    Beneficiary,
    BeneficiaryStatus,
    DedupeRun,
    Merge,
    PartnerRecord,
    ReviewItem,
    ReviewStatus,
    Role,
)
from hub.registry.services import cluster_ids

PURPOSE = "deduplication"
VIEW_ROLES = frozenset({Role.AGENT, Role.COORDINATOR, Role.DPO, Role.ADMIN})
DECIDE_ROLES = frozenset({Role.AGENT, Role.COORDINATOR})
OPEN_STATUSES = (ReviewStatus.PENDING, ReviewStatus.LATER)


# --- who may do what ---------------------------------------------------------------------------


def actor_of(request) -> Actor:
    return Actor.for_user(request.user)


def _staff(request) -> bool:
    return request.user.is_active and request.user.is_staff


def may_view(request) -> bool:
    if not _staff(request):
        return False
    actor = actor_of(request)
    return actor.is_superuser or bool(VIEW_ROLES & set(actor.roles))


def may_decide(request) -> bool:
    if not _staff(request):
        return False
    actor = actor_of(request)
    return actor.is_superuser or bool(DECIDE_ROLES & set(actor.roles))


def both_visible(request, queryset, first: str, second: str):
    """Rows whose two persons (``first``, ``second`` lookups) the user may both see."""
    actor = actor_of(request)
    if actor.is_superuser:
        return queryset
    visible = policy.visible_beneficiaries(actor).values("pk")
    return queryset.filter(**{f"{first}__in": visible, f"{second}__in": visible})


def log_display(request, beneficiaries, *, resource: str, categories=(Category.IDENTITY,)) -> dict:
    """One access-log row per person shown in this request; returns the policy decisions."""
    actor = actor_of(request)
    logged = request.__dict__.setdefault("_review_admin_logged", {})
    new = [p for p in dict.fromkeys(b.pk for b in beneficiaries) if (resource, p) not in logged]
    decisions = policy.decide_many(actor, new, purpose=PURPOSE, categories=categories)
    for pk in new:
        decision = decisions.get(pk, policy.DENY)
        logged[(resource, pk)] = decision
        log_access(
            actor=actor,
            action="read",
            resource=resource,
            decision=decision.decision,
            beneficiary_id=pk,
            categories=sorted(decision.categories),
            purpose=PURPOSE,
            basis=decision.basis,
            grant_id=decision.grant_id,
            request_id=getattr(request, "request_id", ""),
        )
    return {pk: d for (res, pk), d in logged.items() if res == resource}


class RoleAccessMixin:
    """View for reading roles, change for deciding roles; nothing is added or deleted here."""

    def has_module_permission(self, request):
        return may_view(request)

    def has_view_permission(self, request, obj=None):
        return may_view(request)

    def has_change_permission(self, request, obj=None):
        return may_decide(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request):
        return may_decide(request)


# --- displays ----------------------------------------------------------------------------------


def format_partial_date(value: str) -> str:
    """``1984-03-12`` → ``12/03/1984``; ``1984-03`` → ``03/1984``; anything else as is."""
    parts = (value or "").split("-")
    if all(p.isdigit() for p in parts) and 1 <= len(parts) <= 3:
        return "/".join(reversed(parts))
    return value or ""


def person_label(person: Beneficiary) -> str:
    born = format_partial_date(person.birth_date)
    return f"{person} ({born})" if born else str(person)


def person_link(person: Beneficiary):
    try:
        url = reverse("admin:registry_beneficiary_change", args=[person.pk])
    except NoReverseMatch:
        return person_label(person)
    return format_html('<a href="{}">{}</a>', url, person_label(person))


def score_percent(score) -> str:
    if score is None:
        return "—"
    return f"{score * 100:.1f}\u00a0%".replace(".", ",")


LEVEL_LABELS = {
    "exact": _("identique"),
    "swapped": _("inversé"),
    "partial": _("en partie identique"),
    "phonetic": _("même prononciation"),
    "typo": _("faute de frappe"),
    "fuzzy": _("proche"),
    "different": _("différent"),
    "missing": _("absent d'un côté"),
    "exact_placeholder": _("identique (date par défaut, peu probante)"),
    "day_month_swapped": _("jour et mois inversés"),
    "year_off_by_one": _("année à un an près"),
    "same_postcode": _("même code postal"),
    "same_city": _("même commune"),
}


def _surname(b: Beneficiary) -> str:
    if b.usage_name and b.usage_name != b.birth_name:
        return f"{b.birth_name} ({_('usage')} : {b.usage_name})" if b.birth_name else b.usage_name
    return b.birth_name


# engine field → (label, data category, golden value)
FIELDS = {
    "surname": (_("Nom (naissance, usage)"), Category.IDENTITY, _surname),
    "first_names": (_("Prénoms"), Category.IDENTITY, lambda b: b.first_names),
    "sex": (_("Sexe"), Category.IDENTITY, lambda b: b.get_sex_display() if b.sex else ""),
    "birth_date": (
        _("Date de naissance"),
        Category.IDENTITY,
        lambda b: format_partial_date(b.birth_date),
    ),
    "birth_place": (_("Lieu de naissance"), Category.IDENTITY, lambda b: b.birth_place),
    "city": (
        _("Code postal, commune"),
        Category.CONTACT,
        lambda b: " ".join(p for p in (b.postcode, b.city) if p),
    ),
    "address": (_("Adresse"), Category.CONTACT, lambda b: b.address_line),
    "phone": (_("Téléphone"), Category.CONTACT, lambda b: b.phone),
    "email": (_("Courriel"), Category.CONTACT, lambda b: b.email),
    # the NIR itself is never stored; whether it is known is all there is to show
    "nir": (_("NIR"), Category.IDENTITY, lambda b: _("renseigné") if b.nir_hash else ""),
}


def engine_record(b: Beneficiary) -> dict:
    return {
        "id": str(b.pk),
        "first_names": b.first_names,
        "birth_name": b.birth_name,
        "usage_name": b.usage_name,
        "sex": b.sex,
        "birth_date": b.birth_date,
        "birth_place": b.birth_place,
        "postcode": b.postcode,
        "city": b.city,
        "address": b.address_line,
        "phone": b.phone,
        "email": b.email,
        "nir": b.nir_hash,
    }


def fresh_comparison(a: Beneficiary, b: Beneficiary):
    """The pair scored now with the current model, or ``None`` if a golden record is malformed."""
    try:
        return current_model().compare(
            matching.prepare(engine_record(a)), matching.prepare(engine_record(b))
        )
    except ValueError:
        return None


def field_rows(a, b, explanation, decisions) -> list[dict]:
    hidden = _("non communiqué")
    rows = []
    for entry in explanation:
        name = entry.get("field")
        if name not in FIELDS:
            continue
        label, category, value = FIELDS[name]
        weight = float(entry.get("weight") or 0.0)
        level = entry.get("level", "")
        if level == "missing" or weight == 0:
            agreement, agreement_label = "neutral", _("non comparable")
        elif weight > 0:
            agreement, agreement_label = "agree", _("concorde")
        else:
            agreement, agreement_label = "disagree", _("diffère")
        shown = []
        for person in (a, b):
            decision = decisions.get(person.pk)
            allowed = decision is not None and category in decision.categories
            shown.append((value(person) or "—") if allowed else hidden)
        rows.append(
            {
                "field": name,
                "label": label,
                "a": shown[0],
                "b": shown[1],
                "level": level,
                "level_label": LEVEL_LABELS.get(level, level),
                "weight": weight,
                "agreement": agreement,
                "agreement_label": agreement_label,
            }
        )
    return rows


def side_records(request, person: Beneficiary) -> dict:
    """Partner records behind a person (its merge cluster): the user's own in full, the others
    counted only (who else supports a person is not disclosed without a grant)."""
    actor = actor_of(request)
    records = (
        PartnerRecord.objects.filter(beneficiary_id__in=cluster_ids(person.pk))
        .select_related("organization")
        .order_by("organization__name", "external_id")
    )
    shown, others = [], 0
    for record in records:
        if actor.is_superuser or record.organization_id in actor.organization_ids:
            data = record.payload or {}
            address = data.get("address") or {}
            shown.append(
                {
                    "organization": record.organization.name,
                    "external_id": record.external_id,
                    "names": " ".join(
                        p
                        for p in (
                            data.get("birth_name"),
                            data.get("usage_name"),
                            data.get("first_names"),
                        )
                        if p
                    ),
                    "birth_date": format_partial_date(data.get("birth_date", "")),
                    "city": " ".join(
                        p for p in (address.get("postcode"), address.get("city")) if p
                    ),
                    "updated_at": record.updated_at,
                }
            )
        else:
            others += 1
    return {"records": shown, "others": others}


def is_active_root(person: Beneficiary) -> bool:
    return person.status == BeneficiaryStatus.ACTIVE and not person.merged_into_id


INACTIVE_NOTICE = _(
    "L'une des deux personnes a depuis été fusionnée dans une autre fiche ou anonymisée : "
    "elle ne peut plus être fusionnée ici. Marquez la paire « personnes différentes » ou "
    "examinez la fiche consolidée qui la remplace."
)


# --- review queue ------------------------------------------------------------------------------


SOURCE_LABELS = {
    "intake": _("arrivée d'une fiche"),
    "batch": _("dédoublonnage"),
}


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


@admin.register(ReviewItem)
class ReviewItemAdmin(RoleAccessMixin, admin.ModelAdmin):
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
    list_select_related = ("beneficiary_a", "beneficiary_b")
    list_per_page = 50
    actions = ("mark_distinct", "mark_later")
    review_template = "admin/registry/reviewitem/review.html"

    def get_queryset(self, request):
        # annotated before ordering: postponed items come after the pending ones
        queryset = (
            self.model._default_manager.get_queryset()
            .select_related("beneficiary_a", "beneficiary_b")
            .annotate(
                _queue_rank=Case(
                    When(status=ReviewStatus.LATER, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
        )
        queryset = both_visible(request, queryset, "beneficiary_a", "beneficiary_b")
        return queryset.order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return ("_queue_rank", "-score", "created_at")

    # --- list
    @admin.display(description=_("personne A"), ordering="beneficiary_a__birth_name")
    def person_a(self, obj):
        return person_label(obj.beneficiary_a)

    @admin.display(description=_("personne B"), ordering="beneficiary_b__birth_name")
    def person_b(self, obj):
        return person_label(obj.beneficiary_b)

    @admin.display(description=_("score"), ordering="score")
    def score_display(self, obj):
        return score_percent(obj.score)

    @admin.display(description=_("origine"), ordering="source")
    def source_display(self, obj):
        return SOURCE_LABELS.get(obj.source, obj.source)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}) or {}
        changelist = changelist.get("cl")
        if changelist is not None:
            people = [p for i in changelist.result_list for p in (i.beneficiary_a, i.beneficiary_b)]
            log_display(request, people, resource="review_item")
        return response

    # --- decisions
    def _decide(self, request, items, status) -> int:
        count = 0
        for item in items:
            if item.status not in OPEN_STATUSES:
                continue
            decide_review(review_item=item, status=status, by=request.user)
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

    # --- side-by-side page (replaces the change form)
    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.get_object(request, unquote(object_id))
        if item is None or not self.has_view_permission(request, item):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if request.method == "POST":
            return self._post_decision(request, item)
        a, b = item.beneficiary_a, item.beneficiary_b
        decisions = log_display(
            request,
            [a, b],
            resource="review_item",
            categories=(Category.IDENTITY, Category.CONTACT),
        )
        fresh = fresh_comparison(a, b)
        explanation = fresh.explanation if fresh is not None else item.explanation
        rows = field_rows(a, b, explanation, decisions)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": _("Doublon possible : %(a)s ou %(b)s ?") % {"a": a, "b": b},
            "subtitle": None,
            "original": item,
            "item": item,
            "person_a": a,
            "person_b": b,
            "link_a": person_link(a),
            "link_b": person_link(b),
            "fresh": fresh,
            "fresh_score": score_percent(fresh.score) if fresh else None,
            "filed_score": score_percent(item.score),
            "source_label": SOURCE_LABELS.get(item.source, item.source),
            "rows": rows,
            "agreeing": [r for r in rows if r["agreement"] == "agree"],
            "disagreeing": [r for r in rows if r["agreement"] == "disagree"],
            "side_a": side_records(request, a),
            "side_b": side_records(request, b),
            "can_decide": may_decide(request) and item.status in OPEN_STATUSES,
            "inactive_notice": None if is_active_root(a) and is_active_root(b) else INACTIVE_NOTICE,
            "target": min((a, b), key=lambda p: (p.created_at, str(p.pk))),
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
            a, b = item.beneficiary_a, item.beneficiary_b
            if not (is_active_root(a) and is_active_root(b)):
                self.message_user(request, INACTIVE_NOTICE, messages.ERROR)
                return HttpResponseRedirect(here)
            target, source = sorted((a, b), key=lambda p: (p.created_at, str(p.pk)))
            try:
                merge_beneficiaries(
                    actor=actor_of(request),
                    source_id=source.pk,
                    target_id=target.pk,
                    user=request.user,
                    review_item=item,
                    request_id=getattr(request, "request_id", ""),
                )
            except MergeError as exc:
                self.message_user(
                    request, _("Fusion impossible : %(e)s") % {"e": exc}, messages.ERROR
                )
                return HttpResponseRedirect(here)
            self.log_change(request, item, str(ReviewStatus.MERGED.label))
            self.message_user(
                request,
                _("Même personne : %(s)s est fusionnée dans %(t)s (réversible).")
                % {"s": source, "t": target},
                messages.SUCCESS,
            )
        elif choice in ("distinct", "later"):
            status = ReviewStatus.DISTINCT if choice == "distinct" else ReviewStatus.LATER
            self._decide(request, [item], status)
            self.message_user(
                request,
                _("Personnes différentes : cette paire ne sera plus proposée.")
                if choice == "distinct"
                else _("Paire reportée : elle reste dans la file."),
                messages.SUCCESS,
            )
        else:
            self.message_user(request, _("Choix inconnu."), messages.ERROR)
            return HttpResponseRedirect(here)
        return HttpResponseRedirect(self._changelist_url(request))


# --- merge history -----------------------------------------------------------------------------


@admin.register(Merge)
class MergeAdmin(RoleAccessMixin, admin.ModelAdmin):
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
    list_select_related = ("source", "target", "merged_by", "unmerged_by")
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

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("source", "target")
        return both_visible(request, queryset, "source", "target")

    # read-only pages; undoing is an action
    def has_change_permission(self, request, obj=None):
        return False

    def has_unmerge_permission(self, request):
        return may_decide(request)

    @admin.display(description=_("fusionnée"), ordering="source__birth_name")
    def source_display(self, obj):
        return person_label(obj.source)

    @admin.display(description=_("conservée"), ordering="target__birth_name")
    def target_display(self, obj):
        return person_label(obj.target)

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

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", {}) or {}).get("cl")
        if changelist is not None:
            people = [p for m in changelist.result_list for p in (m.source, m.target)]
            log_display(request, people, resource="merge")
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            log_display(request, [obj.source, obj.target], resource="merge")
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Annuler la fusion"), permissions=["unmerge"])
    def unmerge_selected(self, request, queryset):
        done = 0
        for merge in queryset.filter(unmerged_at__isnull=True):
            try:
                unmerge_beneficiaries(
                    actor=actor_of(request),
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


# --- dedupe runs -------------------------------------------------------------------------------


RUN_STATUS_LABELS = {
    "running": _("en cours"),
    "done": _("terminé"),
    "abandoned": _("abandonné"),
}


class RunStatusFilter(admin.SimpleListFilter):
    title = _("statut")
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return list(RUN_STATUS_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(DedupeRun)
class DedupeRunAdmin(RoleAccessMixin, admin.ModelAdmin):
    list_display = (
        "started_at",
        "status_display",
        "progress_display",
        "pairs_scored",
        "review_items",
        "merges",
        "finished_at",
    )
    fields = (
        "started_at",
        "status_display",
        "progress_display",
        "pairs_scored",
        "review_items",
        "merges",
        "skipped_count",
        "finished_at",
    )
    readonly_fields = fields
    list_filter = (RunStatusFilter,)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("statut"), ordering="status")
    def status_display(self, obj):
        return RUN_STATUS_LABELS.get(obj.status, obj.status)

    @admin.display(description=_("avancement"))
    def progress_display(self, obj):
        percent = round(obj.progress * 100)
        return format_html(
            '<progress value="{}" max="{}"></progress> {}/{} ({} %)',
            obj.done_chunks,
            obj.total_chunks or 1,
            obj.done_chunks,
            obj.total_chunks,
            percent,
        )

    @admin.display(description=_("clés écartées (blocs trop grands)"))
    def skipped_count(self, obj):
        return len(obj.skipped_keys or [])
