"""Persons (golden records) in the admin, read through the disclosure gate.

* the list shows a page of ``PersonView`` (``consent.gate.views``): the values the viewer sees,
  the masked label where it does not see the identity; one access-log row per displayed person
  (resource ``beneficiary_list``);
* search and the sex filter work on identifiable persons and on values the viewer sees
  (``hub.registry.admin.search``); rows are ordered by creation, never by a name a masked row
  would betray by its position;
* the detail page is disclosed (``gate.disclose``, allow or deny row) and shows the viewer's
  golden record; merged-into and merged-from links are labelled through the gate;
* the partner-records inline shows the viewer's own records, and other partners' only under a
  grant covering the support history, without their content or external ids.

Read-only: partners write records through the API, the golden record is computed from them,
merges go through the review queue.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import BooleanField, Case, Q, Value, When
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from consent import gate
from consent.policy import as_uuid
from consent.vocab import Category
from hub.registry.admin import gate as page_gate
from hub.registry.admin import person_page
from hub.registry.admin.autocomplete import PersonAutocompleteView
from hub.registry.admin.formats import format_partial_date, sex_label
from hub.registry.admin.scoping import (
    OrganizationScopedAdmin,
    ScopedInlineMixin,
    actor_for_request,
    user_organizations,
)
from hub.registry.admin.search import filter_sex, search_persons
from hub.registry.models import Beneficiary, BeneficiaryStatus, PartnerRecord, Sex

IDENTITY = (
    ("first_names", _("prénoms")),
    ("birth_name", _("nom de naissance")),
    ("usage_name", _("nom d'usage")),
    ("sex", _("sexe")),
    ("birth_date", _("date de naissance")),
    ("birth_place", _("lieu de naissance")),
)
CONTACT = (
    ("phone", _("téléphone")),
    ("email", _("courriel")),
    ("address_line", _("adresse")),
    ("postcode", _("code postal")),
    ("city", _("commune")),
    ("insee_code", _("code INSEE")),
)
FORMATS = {"sex": sex_label, "birth_date": format_partial_date}


def _field_display(name, label):
    shape = FORMATS.get(name, str)

    @admin.display(description=label)
    def display(self, obj):
        view = getattr(obj, "_view", None)
        value = view.value(name) if view is not None else ""
        return shape(value) if value else "—"

    display.__name__ = f"v_{name}"
    return display


class Labelled:
    """Stands for a person in page titles and breadcrumbs: the label the viewer may see."""

    def __init__(self, pk, text):
        self.pk = pk
        self.text = text

    def __str__(self) -> str:
        return self.text


class PartnerRecordInline(ScopedInlineMixin, admin.TabularInline):
    """Records of a person: those of the user's organizations; others only under a grant that
    covers the support history (and then without their content or external id)."""

    model = PartnerRecord
    fk_name = "beneficiary"
    template = "admin/registry/beneficiary/records_inline.html"
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name = _("fiche partenaire")
    verbose_name_plural = _("fiches partenaires")
    fields = ("partner", "external_id_display", "summary", "version", "updated_at")
    readonly_fields = fields

    @admin.display(description=_("organisation"))
    def partner(self, obj):
        return obj.organization.name

    @admin.display(description=_("identifiant chez le partenaire"))
    def external_id_display(self, obj):
        if not getattr(obj, "_readable", False):
            return "—"
        url = reverse("admin:registry_partnerrecord_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.external_id)

    def get_queryset(self, request):
        actor = actor_for_request(request)
        queryset = super().get_queryset(request).select_related("organization")
        if actor.is_superuser:
            return queryset.annotate(_readable=Value(True))
        queryset = queryset.annotate(
            _readable=Case(
                When(organization_id__in=actor.organization_ids, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        shared = [
            pk
            for pk, view in page_gate.disclosed(request).items()
            if view.sees_others(Category.SUPPORT_HISTORY)
        ]
        return queryset.filter(
            Q(organization_id__in=actor.organization_ids) | Q(beneficiary_id__in=shared)
        )

    @admin.display(description=_("contenu"))
    def summary(self, obj):
        if not getattr(obj, "_readable", False):
            return _("fiche d'un autre partenaire (contenu non communiqué)")
        data = obj.payload or {}
        names = " ".join(part for part in (data.get("birth_name"), data.get("usage_name")) if part)
        born = format_partial_date(data.get("birth_date", "")) or "—"
        return f"{names}, {data.get('first_names', '')} — {born}"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FollowedByFilter(admin.SimpleListFilter):
    title = _("organisation de suivi")
    parameter_name = "organisation"

    def lookups(self, request, model_admin):
        return [(str(org.pk), org.name) for org in user_organizations(request)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        allowed = {str(pk) for pk in user_organizations(request).values_list("pk", flat=True)}
        if self.value() not in allowed:
            return queryset.none()
        return queryset.filter(
            pk__in=PartnerRecord.objects.filter(organization_id=self.value()).values(
                "beneficiary_id"
            )
        )


class SexFilter(admin.SimpleListFilter):
    """On the sex the viewer sees (its own records, or the golden record under an identity
    grant): a person whose sex only another partner supplied is found by no choice."""

    title = _("sexe")
    parameter_name = "sexe"

    def lookups(self, request, model_admin):
        return Sex.choices

    def queryset(self, request, queryset):
        if self.value() not in Sex.values:
            return queryset
        return filter_sex(actor_for_request(request), queryset, self.value())


class GateChangeList(ChangeList):
    """The page of persons as the viewer sees them (three queries), each display logged."""

    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)
        views = page_gate.page_views(request, [row.pk for row in rows], resource="beneficiary_list")
        for row in rows:
            row._view = views.get(row.pk)
        self.result_list = rows


@admin.register(Beneficiary)
class BeneficiaryAdmin(OrganizationScopedAdmin):
    list_display = ("person", "list_birth_date", "list_city", "status")
    list_display_links = ("person",)
    list_filter = (FollowedByFilter, "status", SexFilter)
    search_fields = ("birth_name",)  # the search itself is ``search_persons``
    search_help_text = _(
        "Nom de naissance, nom d'usage ou prénom (avec ou sans accents), "
        "ou date de naissance (JJ/MM/AAAA ou AAAA-MM-JJ)."
    )
    # By creation: an order by name would place a masked row among the names it hides.
    ordering = ("-created_at", "id")
    sortable_by = ("status",)
    list_per_page = 100
    inlines = (PartnerRecordInline,)
    change_form_template = "admin/registry/beneficiary/change_form.html"

    def get_changelist(self, request, **kwargs):
        return GateChangeList

    def get_urls(self):
        view = PersonAutocompleteView.as_view(model_admin=self)
        return [
            path(
                "autocomplete/",
                self.admin_site.admin_view(view),
                name="registry_beneficiary_autocomplete",
            ),
            *super().get_urls(),
        ]

    def get_search_fields(self, request):
        # Django's generic autocomplete would answer names through ``__str__`` and without
        # an access-log row: persons are offered by ``PersonAutocompleteView`` only.
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete":
            return ()
        return super().get_search_fields(request)

    # --- list columns
    @admin.display(description=_("personne"))
    def person(self, obj):
        view = getattr(obj, "_view", None)
        return view.label if view is not None else gate.masked_label(obj.pk)

    @admin.display(description=_("date de naissance"))
    def list_birth_date(self, obj):
        view = getattr(obj, "_view", None)
        return (format_partial_date(view.value("birth_date")) if view else "") or "—"

    @admin.display(description=_("commune"))
    def list_city(self, obj):
        view = getattr(obj, "_view", None)
        return (view.value("city") if view else "") or "—"

    # --- what the user may see
    def get_queryset(self, request):
        queryset = gate.visible(actor_for_request(request))
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_search_results(self, request, queryset, search_term):
        return search_persons(actor_for_request(request), queryset, search_term), False

    def get_object(self, request, object_id, from_field=None):
        pk = as_uuid(object_id)
        if pk is None:
            return None
        view = page_gate.disclose(request, pk, resource="beneficiary")
        if view is None:
            return None
        obj = Beneficiary.objects.exclude(status=BeneficiaryStatus.ANONYMISED).filter(pk=pk).first()
        if obj is not None:
            obj._view, obj._request = view, request
        return obj

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        view = getattr(obj, "_view", None)
        if view is not None:
            # The page title and breadcrumbs name the person as the viewer may see them.
            context.update(original=Labelled(obj.pk, view.label), subtitle=view.label)
            context["person_sections"] = person_page.sections(request, obj.pk, view)
            context["title"] = _("Fiche de la personne")
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- read-only: the golden record is computed, merges go through the review queue
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fieldsets(self, request, obj=None):
        view = getattr(obj, "_view", None)
        fieldsets = []
        if view is not None and (view.own or view.sees_others(Category.IDENTITY)):
            names = tuple(f"v_{name}" for name, _label in IDENTITY)
            fieldsets.append((_("Identité"), {"fields": (*names, "has_nir")}))
        if view is not None and (view.own or view.sees_others(Category.CONTACT)):
            names = tuple(f"v_{name}" for name, _label in CONTACT)
            fieldsets.append((_("Coordonnées"), {"fields": names}))
        fieldsets.append(
            (
                _("Fiche consolidée"),
                {
                    "fields": (
                        "status",
                        "merged_into_display",
                        "merged_from_display",
                        "last_contact_at",
                        "created_at",
                        "updated_at",
                    ),
                    "description": _(
                        "Les champs d'identité sont calculés à partir des fiches des partenaires "
                        "et ne se modifient pas ici ; seules les valeurs que vous pouvez voir "
                        "sont affichées."
                    ),
                },
            )
        )
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return (
            *(f"v_{name}" for name, _label in (*IDENTITY, *CONTACT)),
            "has_nir",
            "status",
            "merged_into_display",
            "merged_from_display",
            "last_contact_at",
            "created_at",
            "updated_at",
        )

    @admin.display(description=_("NIR connu"), boolean=True)
    def has_nir(self, obj):
        view = getattr(obj, "_view", None)
        return bool(view and view.value("nir_hash"))

    @staticmethod
    def _links(request, ids):
        return page_gate.page_views(request, ids, resource="beneficiary_link")

    @admin.display(description=_("fusionnée dans"))
    def merged_into_display(self, obj):
        if not obj.merged_into_id:
            return "—"
        request = obj._request
        return page_gate.person_link(self._links(request, [obj.merged_into_id]), obj.merged_into_id)

    @admin.display(description=_("fiches fusionnées dans celle-ci"))
    def merged_from_display(self, obj):
        request = obj._request
        views = self._links(request, obj.merged_from.values_list("pk", flat=True))
        if not views:
            return "—"
        return format_html_join(", ", "{}", ((page_gate.person_link(views, pk),) for pk in views))


for _name, _label in (*IDENTITY, *CONTACT):
    setattr(BeneficiaryAdmin, f"v_{_name}", _field_display(_name, _label))
