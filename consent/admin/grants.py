"""Grants for social workers: record through ``record_grant``, withdraw through
``withdraw_grant``; lists and pages show only the grants the viewer may see.

A viewer sees a grant recorded by one of its organizations or naming it as grantee (the
organization itself, a coordination group it belongs to, or its kind of partner); superusers
see all. Holding a record of the person is not enough: another partner's grants (whom it
shares with, on which basis — child protection, for instance) are that partner's data.
"""

from __future__ import annotations

import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from consent import policy
from consent.admin.common import (
    actor,
    category_label,
    french_datetime,
    is_dpo,
    is_worker,
    json_response,
    labels,
    purpose_label,
    request_id,
    status_label,
)
from consent.admin.grant_form import GrantForm
from consent.admin.grant_withdraw import withdraw_view
from consent.admin.people import (
    gated_changelist,
    page_views,
    person_autocomplete,
    person_label,
    row_label,
)
from consent.errors import NotVisible
from consent.grants import withdraw_grant
from consent.models import Grant
from consent.policy import as_uuid
from consent.receipts import consent_receipt
from consent.vocab import (
    Category,
    FamilyInformation,
    GrantStatus,
    Purpose,
)
from hub.registry.admin.scoping import OrganizationScopedAdmin


def grants_visible_in_admin(who, queryset=None):
    """Grants recorded by one of the viewer's organizations or naming it as grantee."""
    queryset = Grant.objects.all() if queryset is None else queryset
    if who.is_superuser:
        return queryset
    if not who.organization_ids:
        return queryset.none()
    return queryset.filter(Q(granted_by_id__in=who.organization_ids) | policy.grantee_q(who))


class StatusFilter(admin.SimpleListFilter):
    title = _("statut")
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return [(s.value, s.label) for s in GrantStatus]

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == GrantStatus.ACTIVE:
            return queryset.active(now)
        if value == GrantStatus.WITHDRAWN:
            return queryset.withdrawn()
        if value == GrantStatus.EXPIRED:
            return queryset.expired(now)
        if value == GrantStatus.PENDING:
            return queryset.filter(withdrawn_at__isnull=True, valid_from__gt=now)
        return queryset


DETAIL_FIELDS = [
    "receipt_link",
    "withdraw_link",
    "status_display",
    "person_display",
    "basis",
    "legal_reference",
    "grantee_display",
    "granted_by",
    "purposes_display",
    "categories_display",
    "valid_from",
    "valid_until",
    "evidence_method",
    "collected_by_name",
    "evidence_document",
    "family_information",
    "family_information_note",
    "review_due_at",
    "reviewed_at",
    "review_note",
    "withdrawn_at",
    "withdrawal_reason",
    "created_at",
]


@admin.register(Grant)
class GrantAdmin(OrganizationScopedAdmin):
    # Recorded by consent.grants.record_grant (in the form), withdrawn by withdraw_grant.
    service_backed = True
    form = GrantForm
    list_display = (
        "created_at",
        "person_column",
        "basis",
        "grantee_display",
        "granted_by",
        "purposes_display",
        "categories_display",
        "valid_until",
        "status_display",
    )
    list_filter = (
        StatusFilter,
        "basis",
        "grantee_type",
        ("granted_by", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("granted_by", "grantee_organization", "grantee_group")
    actions = ["withdraw_selected"]
    search_fields = ("legal_reference",)
    search_help_text = _("Référence, ou identifiant d'une autorisation ou d'une personne.")

    def scope_queryset(self, request, queryset):
        return grants_visible_in_admin(actor(request), queryset)

    def get_changelist(self, request, **kwargs):
        return gated_changelist(super().get_changelist(request, **kwargs), resource="grant")

    def get_object(self, request, object_id, from_field=None):
        grant = super().get_object(request, object_id, from_field)
        if grant is not None:
            grant._person_view = page_views(request, [grant.beneficiary_id], resource="grant").get(
                grant.beneficiary_id
            )
        return grant

    def get_search_results(self, request, queryset, search_term):
        try:
            value = uuid.UUID(search_term.strip())
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(Q(beneficiary_id=value) | Q(pk=value)), False

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        chosen = as_uuid(request.GET.get("beneficiary"))
        if chosen:
            initial["beneficiary_id"] = chosen
        initial.pop("beneficiary", None)
        return initial

    def has_module_permission(self, request):
        return is_worker(request) or is_dpo(request)

    def has_view_permission(self, request, obj=None):
        return is_worker(request) or is_dpo(request)

    def has_add_permission(self, request, *args):
        return is_worker(request)

    def has_change_permission(self, request, obj=None):
        return False  # a grant is withdrawn, never edited

    def has_delete_permission(self, request, obj=None):
        return False

    def has_withdraw_permission(self, request):
        return is_worker(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, request=request, **kw)

        return RequestForm

    def save_model(self, request, obj, form, change):
        """Saved by ``record_grant`` in the form's validation (with ledger and audit rows)."""

    def save_related(self, request, form, formsets, change):
        pass

    def delete_model(self, request, obj):
        raise PermissionDenied  # a grant is withdrawn, never deleted

    def delete_queryset(self, request, queryset):
        raise PermissionDenied

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else DETAIL_FIELDS

    def get_fields(self, request, obj=None):
        return super().get_fields(request, obj) if obj is None else DETAIL_FIELDS

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # The title would print ``str(grant)``: keep it, it names no person.
            context["subtitle"] = row_label(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("personne"))
    def person_column(self, grant):
        return row_label(grant)

    @admin.display(description=_("personne"))
    def person_display(self, grant):
        return row_label(grant)

    @admin.display(description=_("destinataire"))
    def grantee_display(self, grant):
        return grant.grantee_label

    @admin.display(description=_("finalités"))
    def purposes_display(self, grant):
        return labels(grant.purposes, purpose_label)

    @admin.display(description=_("catégories de données"))
    def categories_display(self, grant):
        return labels(grant.categories, category_label)

    @admin.display(description=_("statut"))
    def status_display(self, grant):
        return status_label(grant.status)

    @admin.display(description=_("reçu"))
    def receipt_link(self, grant):
        url = reverse("admin:consent_grant_receipt", args=[grant.pk])
        return format_html('<a href="{}">{}</a>', url, _("Reçu de consentement (imprimable)"))

    @admin.display(description=_("retrait"))
    def withdraw_link(self, grant):
        if grant.withdrawn_at is not None:
            return _("Autorisation retirée")
        url = reverse("admin:consent_grant_withdraw", args=[grant.pk])
        return format_html(
            '<a class="button" href="{}" data-action="withdraw-grant">{}</a>',
            url,
            _("Retirer l'autorisation"),
        )

    @admin.action(
        description=_("Retirer les autorisations sélectionnées"), permissions=["withdraw"]
    )
    def withdraw_selected(self, request, queryset):
        who = actor(request)
        done = refused = 0
        for grant in queryset.filter(withdrawn_at__isnull=True):
            try:
                withdraw_grant(
                    actor=who,
                    grant_id=grant.pk,
                    reason="retrait enregistré dans l'administration",
                    request_id=request_id(request),
                )
                done += 1
            except NotVisible:
                refused += 1
        messages.success(request, _("%(n)d autorisation(s) retirée(s).") % {"n": done})
        if refused:
            messages.warning(
                request,
                _(
                    "%(n)d autorisation(s) non retirée(s) : seule l'organisation qui l'a "
                    "enregistrée, ou qui détient la fiche de la personne, peut la retirer."
                )
                % {"n": refused},
            )

    withdraw_selected.service_backed = True

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<uuid:grant_id>/recu/", view(self.receipt_view), name="consent_grant_receipt"),
            path(
                "<uuid:grant_id>/retirer/",
                view(lambda request, grant_id: withdraw_view(self, request, grant_id)),
                name="consent_grant_withdraw",
            ),
            path("personnes/", view(self.persons_view), name="consent_grant_persons"),
            *super().get_urls(),
        ]

    def persons_view(self, request):
        if not self.has_add_permission(request):
            raise Http404
        return person_autocomplete(request, own_only=True)

    def receipt_view(self, request, grant_id):
        grant = self.get_queryset(request).filter(pk=grant_id).select_related("granted_by").first()
        if grant is None or not self.has_view_permission(request, grant):
            raise Http404
        view = page_views(request, [grant.beneficiary_id], resource="grant_receipt")
        receipt = consent_receipt(grant)
        if request.GET.get("format") == "json":
            return json_response(receipt, f"recu-{grant_id}.json")
        return TemplateResponse(
            request,
            "consent/receipt.html",
            {
                "grant": grant,
                "receipt": receipt,
                "person": person_label(view.get(grant.beneficiary_id), grant.beneficiary_id),
                "issued": french_datetime(timezone.now()),
                "status": status_label(grant.status),
                "purposes": [Purpose(p).label for p in grant.purposes],
                "categories": [Category.LABELS[c] for c in grant.categories],
                "family": FamilyInformation(grant.family_information).label
                if grant.family_information
                else "",
            },
        )
