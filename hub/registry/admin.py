"""Admin (in French) of the registry, scoped to the organizations of the signed-in user.

Persons (golden records) are listed through ``consent.policy.visible_beneficiaries`` and shown
after ``consent.policy.decide``; each display of a person or of a partner record writes one
access-log row, in the request's transaction. Partner records and golden records are read-only
here: partners write records through the API (intake, audit and events run there), the golden
record is computed from them, and merges go through the review queue.
"""

from __future__ import annotations

import json
import re
import unicodedata

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, CharField, Count, Func, Q, Value, When
from django.db.models.functions import Lower
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _

from consent import policy
from consent.audit import log_access
from consent.policy import Category
from hub.registry.admin_scoping import (
    OrganizationScopedAdmin,
    ScopedInlineMixin,
    actor_for_request,
    sync_user_role_groups,
    user_organizations,
)
from hub.registry.models import (
    Beneficiary,
    Household,
    HouseholdMember,
    Membership,
    Organization,
    PartnerClient,
    PartnerRecord,
)
from hub.registry.partners import OnboardingError, onboard_partner, parse_scopes

admin.site.site_header = _("Passerelle — administration")
admin.site.site_title = _("Passerelle — administration")
admin.site.index_title = _("Administration")
admin.site.site_url = None  # no public site: hide "Voir le site"

# Purpose written in the access log for a consultation in the admin.
ADMIN_PURPOSE = "consultation_admin"

IDENTITY_FIELDS = (
    "first_names",
    "birth_name",
    "usage_name",
    "sex",
    "birth_date_display",
    "birth_place",
)
CONTACT_FIELDS = ("phone", "email", "address_line", "postcode", "city", "insee_code")


# --- Accent-insensitive search ------------------------------------------------------------------
# The term is folded in Python; the column by the database: a deterministic SQL function of ours on
# SQLite (registered on the connection), TRANSLATE() on PostgreSQL (no extension needed).
_FOLD_MAP = {
    **dict.fromkeys("àâäáãåÀÂÄÁÃÅ", "a"),
    **dict.fromkeys("çÇ", "c"),
    **dict.fromkeys("éèêëÉÈÊË", "e"),
    **dict.fromkeys("ğĞ", "g"),
    **dict.fromkeys("íìîïıÍÌÎÏİ", "i"),
    **dict.fromkeys("ñÑ", "n"),
    **dict.fromkeys("óòôöõøÓÒÔÖÕØ", "o"),
    **dict.fromkeys("şŞ", "s"),
    **dict.fromkeys("úùûüÚÙÛÜ", "u"),
    **dict.fromkeys("ýÿÝŸ", "y"),
    "-": " ",
    "'": " ",
    "’": " ",
}
_LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"}


def fold(text: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces: 'Lefèvre-D’Arc' → 'lefevre d arc'."""
    text = "".join(_LIGATURES.get(char, _FOLD_MAP.get(char, char)) for char in text or "")
    text = unicodedata.normalize("NFKD", text)
    return "".join(char for char in text if not unicodedata.combining(char)).lower()


class Folded(Func):
    """``fold(column)`` in SQL."""

    function = "passerelle_fold"
    arity = 1
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        connection.ensure_connection()
        # Cheap, and safe on every new connection: (re)register our deterministic function.
        connection.connection.create_function("passerelle_fold", 1, fold, deterministic=True)
        return super().as_sql(compiler, connection, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        sources = "".join(_FOLD_MAP)
        targets = "".join(_FOLD_MAP.values())
        template = "lower(translate(%(expressions)s, '{}', '{}'))".format(
            sources.replace("'", "''"), targets
        )
        for ligature, replacement in _LIGATURES.items():
            template = f"replace({template}, '{ligature}', '{replacement}')"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor not in ("sqlite", "postgresql"):
            return Lower(*self.get_source_expressions()).as_sql(compiler, connection)
        return super().as_sql(compiler, connection, **extra_context)


_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_PREFIX = re.compile(r"^\d{4}(-\d{2}){0,2}$")


def birth_date_term(term: str) -> str | None:
    """'12/03/1984' → '1984-03-12'; an ISO date or prefix ('1984', '1984-03') as is."""
    match = _FR_DATE.match(term)
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    if _ISO_PREFIX.match(term):
        return term
    return None


def format_partial_date(value: str) -> str:
    parts = value.split("-") if value else []
    return "/".join(reversed(parts)) if parts else "—"


# --- Organizations, memberships, clients ---------------------------------------------------------
@admin.register(Organization)
class OrganizationAdmin(OrganizationScopedAdmin):
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
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "organization", "role", "is_active")


@admin.register(Membership)
class MembershipAdmin(OrganizationScopedAdmin):
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
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        sync_user_role_groups(obj.user)
        if form.initial.get("user") and form.initial["user"] != obj.user_id:
            sync_user_role_groups(get_user_model().objects.get(pk=form.initial["user"]))

    def delete_model(self, request, obj):
        user = obj.user
        super().delete_model(request, obj)
        sync_user_role_groups(user)

    def delete_queryset(self, request, queryset):
        users = list(get_user_model().objects.filter(memberships__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for user in users:
            sync_user_role_groups(user)


class PartnerClientCreationForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none()
    )
    client_name = forms.CharField(
        label=_("Nom de l'application"),
        max_length=200,
        required=False,
        help_text=_("Par défaut : « <organisation> API »."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Portées autorisées"), widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["scopes"].choices = [
            (scope, f"{scope} — {label}") for scope, label in settings.API_SCOPES.items()
        ]


class PartnerClientForm(forms.ModelForm):
    class Meta:
        model = PartnerClient
        fields = ("allowed_scopes", "is_active")

    def clean_allowed_scopes(self):
        try:
            return " ".join(parse_scopes(self.cleaned_data["allowed_scopes"]))
        except OnboardingError as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(PartnerClient)
class PartnerClientAdmin(OrganizationScopedAdmin):
    form = PartnerClientForm
    list_display = ("__str__", "organization", "client_id", "scopes", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("organization__name", "application__name", "application__client_id")
    readonly_fields = ("organization", "application", "client_id", "created_at")
    fields = ("organization", "application", "client_id", "allowed_scopes", "is_active")
    list_select_related = ("organization", "application")
    actions = ("deactivate",)

    @admin.display(description=_("identifiant client"), ordering="application__client_id")
    def client_id(self, obj):
        return obj.application.client_id

    @admin.display(description=_("portées"))
    def scopes(self, obj):
        return " ".join(obj.scope_list)

    @admin.action(description=_("Désactiver les clients sélectionnés"), permissions=("change",))
    def deactivate(self, request, queryset):
        count = queryset.update(is_active=False)
        self.message_user(request, _("%(count)d client(s) désactivé(s).") % {"count": count})

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        """Create the client through ``onboard_partner``; its secret is shown once, here."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PartnerClientCreationForm(
            request.POST if request.method == "POST" else None,
            organizations=user_organizations(request),
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "has_view_permission": self.has_view_permission(request),
        }
        if request.method == "POST" and form.is_valid():
            organization = form.cleaned_data["organization"]
            try:
                result = onboard_partner(
                    name=organization.name,
                    kind=organization.kind,
                    scopes=parse_scopes(" ".join(form.cleaned_data["scopes"])),
                    siret=organization.siret,
                    client_name=form.cleaned_data["client_name"],
                )
            except OnboardingError as exc:
                form.add_error(None, str(exc))
            else:
                self.log_addition(request, result.client, [{"added": {}}])
                context.update(
                    title=_("Client partenaire créé"),
                    client=result.client,
                    client_id=result.client_id,
                    client_secret=result.client_secret,
                    changelist_url=reverse("admin:registry_partnerclient_changelist"),
                )
                response = TemplateResponse(
                    request, "admin/registry/partnerclient/created.html", context
                )
                response["Cache-Control"] = "no-store"
                return response
        context.update(title=_("Ajouter un client partenaire"), form=form)
        return TemplateResponse(request, "admin/registry/partnerclient/add.html", context)


# --- Persons and partner records -----------------------------------------------------------------
def _decisions(request) -> dict:
    return request.__dict__.setdefault("_passerelle_decisions", {})


def _log_display(request, *, resource: str, beneficiary_id, decision) -> None:
    """One access-log row per displayed person and request."""
    logged = request.__dict__.setdefault("_passerelle_logged", set())
    key = (resource, beneficiary_id)
    if key in logged:
        return
    logged.add(key)
    log_access(
        actor=actor_for_request(request),
        action="read",
        resource=resource,
        decision=decision.decision,
        beneficiary_id=beneficiary_id,
        categories=sorted(decision.categories),
        purpose=ADMIN_PURPOSE,
        basis=decision.basis,
        grant_id=decision.grant_id,
        request_id=getattr(request, "request_id", ""),
    )


class PartnerRecordInline(ScopedInlineMixin, admin.TabularInline):
    """Records of a person: those of the user's organizations; others only under a grant that
    covers the support history (and then without their content)."""

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
        queryset = (
            super()
            .get_queryset(request)
            .select_related("organization")
            .annotate(
                _readable=Value(True)
                if actor.is_superuser
                else Case(
                    When(organization_id__in=actor.organization_ids, then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            )
        )
        if actor.is_superuser:
            return queryset
        shared = [
            pk
            for pk, decision in _decisions(request).items()
            if decision.allowed
            and decision.grant_id
            and Category.SUPPORT_HISTORY in decision.categories
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
        return f"{names}, {data.get('first_names', '')} — {format_partial_date(data.get('birth_date', ''))}"

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
        if self.value():
            allowed = {str(pk) for pk in user_organizations(request).values_list("pk", flat=True)}
            if self.value() not in allowed:
                return queryset.none()
            return queryset.filter(
                pk__in=PartnerRecord.objects.filter(organization_id=self.value()).values(
                    "beneficiary_id"
                )
            )
        return queryset


class MaskedPerson:
    """Stands for a person whose identity the viewer may not see."""

    def __init__(self, pk):
        self.pk = pk

    def __str__(self) -> str:
        return str(_("Personne (identité non communiquée)"))


class PolicyChangeList(ChangeList):
    """The page of persons, each reduced to the categories the policy allows (one query)."""

    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)
        decisions = policy.decide_many(
            actor_for_request(request),
            [row.pk for row in rows],
            categories=(Category.IDENTITY, Category.CONTACT),
        )
        for row in rows:
            decision = decisions.get(row.pk)
            row._list_categories = decision.categories if decision else frozenset()
        self.result_list = rows


@admin.register(Beneficiary)
class BeneficiaryAdmin(OrganizationScopedAdmin):
    list_display = (
        "list_birth_name",
        "list_usage_name",
        "list_first_names",
        "list_birth_date",
        "list_city",
        "status",
    )
    list_display_links = ("list_birth_name", "list_usage_name", "list_first_names")
    list_filter = (FollowedByFilter, "status", "sex")
    search_fields = ("birth_name", "usage_name", "first_names", "birth_date")
    search_help_text = _(
        "Nom de naissance, nom d'usage ou prénom (avec ou sans accents), "
        "ou date de naissance (JJ/MM/AAAA ou AAAA-MM-JJ)."
    )
    ordering = ("birth_name", "first_names")
    list_per_page = 50
    inlines = (PartnerRecordInline,)

    def get_changelist(self, request, **kwargs):
        return PolicyChangeList

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        decision = _decisions(request).get(getattr(obj, "pk", None))
        if obj is not None and decision and Category.IDENTITY not in decision.categories:
            # The page title and breadcrumbs would print the person's name.
            masked = MaskedPerson(obj.pk)
            context.update(original=masked, subtitle=str(masked))
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- list columns: a person seen under a grant without identity or contact stays masked
    @staticmethod
    def _listed(obj, category, value):
        allowed = getattr(obj, "_list_categories", None)
        if allowed is not None and category not in allowed:
            return _("(non communiqué)")
        return value or "—"

    @admin.display(description=_("nom de naissance"), ordering="birth_name")
    def list_birth_name(self, obj):
        return self._listed(obj, Category.IDENTITY, obj.birth_name)

    @admin.display(description=_("nom d'usage"), ordering="usage_name")
    def list_usage_name(self, obj):
        return self._listed(obj, Category.IDENTITY, obj.usage_name)

    @admin.display(description=_("prénoms"), ordering="first_names")
    def list_first_names(self, obj):
        return self._listed(obj, Category.IDENTITY, obj.first_names)

    @admin.display(description=_("date de naissance"), ordering="birth_date")
    def list_birth_date(self, obj):
        return self._listed(obj, Category.IDENTITY, format_partial_date(obj.birth_date))

    @admin.display(description=_("commune"), ordering="city")
    def list_city(self, obj):
        return self._listed(obj, Category.CONTACT, obj.city)

    # --- what the user may see
    def get_queryset(self, request):
        queryset = policy.visible_beneficiaries(actor_for_request(request))
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            return None
        actor = actor_for_request(request)
        # No purpose: a consultation in the admin is covered by any active grant's purposes.
        decision = policy.decide(actor, obj)
        _decisions(request)[obj.pk] = decision
        obj._viewer = actor
        _log_display(request, resource="beneficiary", beneficiary_id=obj.pk, decision=decision)
        return obj if decision.allowed else None

    def get_search_results(self, request, queryset, search_term):
        for bit in smart_split(search_term):
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
            date = birth_date_term(bit)
            if date:
                queryset = queryset.filter(birth_date__startswith=date)
                continue
            term = fold(bit)
            if not term:
                continue
            condition = Q()
            for field in ("birth_name", "usage_name", "first_names"):
                condition |= Q(**{f"_folded_{field}__contains": term})
            queryset = queryset.alias(
                _folded_birth_name=Folded("birth_name"),
                _folded_usage_name=Folded("usage_name"),
                _folded_first_names=Folded("first_names"),
            ).filter(condition)
        return queryset, False

    # --- read-only: the golden record is computed, merges go through the review queue
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fieldsets(self, request, obj=None):
        decision = _decisions(request).get(getattr(obj, "pk", None))
        categories = decision.categories if decision else frozenset()
        fieldsets = []
        if Category.IDENTITY in categories:
            fieldsets.append((_("Identité"), {"fields": (*IDENTITY_FIELDS, "has_nir")}))
        if Category.CONTACT in categories:
            fieldsets.append((_("Coordonnées"), {"fields": CONTACT_FIELDS}))
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
                        "et ne se modifient pas ici."
                    ),
                },
            )
        )
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return (
            *IDENTITY_FIELDS,
            "has_nir",
            *CONTACT_FIELDS,
            "status",
            "merged_into_display",
            "merged_from_display",
            "last_contact_at",
            "created_at",
            "updated_at",
        )

    # --- displays
    @admin.display(description=_("personne"), ordering="birth_name")
    def display_name(self, obj):
        return str(obj)

    @admin.display(description=_("date de naissance"), ordering="birth_date")
    def birth_date_display(self, obj):
        return format_partial_date(obj.birth_date)

    @admin.display(description=_("NIR connu"), boolean=True)
    def has_nir(self, obj):
        return bool(obj.nir_hash)

    @staticmethod
    def _link(obj, beneficiary_id):
        viewer = getattr(obj, "_viewer", None)
        target = (
            policy.visible_beneficiaries(viewer).filter(pk=beneficiary_id).first()
            if viewer is not None
            else None
        )
        if target is None:
            return _("fiche non accessible")
        url = reverse("admin:registry_beneficiary_change", args=[target.pk])
        return format_html('<a href="{}">{}</a>', url, str(target))

    @admin.display(description=_("fusionnée dans"))
    def merged_into_display(self, obj):
        if not obj.merged_into_id:
            return "—"
        return self._link(obj, obj.merged_into_id)

    @admin.display(description=_("fiches fusionnées dans celle-ci"))
    def merged_from_display(self, obj):
        sources = list(obj.merged_from.values_list("pk", flat=True))
        if not sources:
            return "—"
        return format_html_join(", ", "{}", ((self._link(obj, pk),) for pk in sources))


@admin.register(PartnerRecord)
class PartnerRecordAdmin(OrganizationScopedAdmin):
    list_display = ("external_id", "organization", "person", "version", "updated_at")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("external_id",)
    search_help_text = _("Identifiant chez le partenaire, nom ou prénom.")
    list_select_related = ("organization", "beneficiary")
    fields = ("organization", "external_id", "person", "payload_display", "has_nir", "version")
    readonly_fields = fields
    ordering = ("-updated_at",)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            actor = actor_for_request(request)
            decision = policy.PolicyDecision(
                True,
                policy.Basis.SUPERUSER
                if actor.is_superuser and obj.organization_id not in actor.organization_ids
                else policy.Basis.OWN_RECORD,
                frozenset((Category.IDENTITY, Category.CONTACT)),
            )
            _log_display(
                request, resource="record", beneficiary_id=obj.beneficiary_id, decision=decision
            )
        return obj

    def get_search_results(self, request, queryset, search_term):
        """Each word must match the external id or a name the partner sent (case-insensitive)."""
        for bit in smart_split(search_term):
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
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

    @admin.display(description=_("personne (fiche consolidée)"), ordering="beneficiary__birth_name")
    def person(self, obj):
        url = reverse("admin:registry_beneficiary_change", args=[obj.beneficiary_id])
        return format_html('<a href="{}">{}</a>', url, str(obj.beneficiary))

    @admin.display(description=_("données transmises"))
    def payload_display(self, obj):
        text = json.dumps(obj.payload, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", text)

    @admin.display(description=_("NIR transmis"), boolean=True)
    def has_nir(self, obj):
        return bool(obj.nir_hash)


# --- Households ----------------------------------------------------------------------------------
class HouseholdMemberInline(ScopedInlineMixin, admin.TabularInline):
    model = HouseholdMember
    extra = 0
    autocomplete_fields = ("beneficiary",)
    fields = ("beneficiary", "relationship", "since", "until")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "beneficiary":
            kwargs["queryset"] = policy.visible_beneficiaries(actor_for_request(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Household)
class HouseholdAdmin(OrganizationScopedAdmin):
    organization_lookup = "created_by"
    organization_fields = ("created_by",)
    list_display = ("__str__", "city", "created_by", "member_count", "created_at")
    search_fields = ("label", "city", "postcode")
    list_select_related = ("created_by",)
    fields = ("label", "address_line", "postcode", "city", "created_by")
    inlines = (HouseholdMemberInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_members=Count("members"))

    @admin.display(description=_("membres"), ordering="_members")
    def member_count(self, obj):
        return obj._members

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
