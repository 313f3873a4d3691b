"""The consents given on the citizen portal, read-only, for the DPO: the evidence of each one.

A row holds no identity (the person's data stay in the portal submission until a worker
confirms it): the purpose, the data categories, the notice shown (its version, its text and its
SHA-256, checked again on display), the time, the channel, and what became of it (waiting for
a worker, recorded as a grant, withdrawn, link expired). A DPO sees the consents given to the
organizations they are DPO of; the CSV export is an access-log row like every DPO export.
"""

from __future__ import annotations

import hashlib

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.admin.accesslog import log_export
from consent.admin.common import (
    ReadOnlyDPOAdmin,
    category_label,
    csv_response,
    dpo_actor,
    french_datetime,
    is_dpo,
    labels,
    purpose_label,
)
from consent.models import PortalConsent

STATES = {
    "waiting": _("En attente de confirmation par un travailleur social"),
    "granted": _("Enregistré comme autorisation"),
    "withdrawn": _("Retiré par la personne"),
    "refused": _("Demande refusée ou effacée"),
}


def state_of(consent: PortalConsent) -> str:
    """The person withdraws through the one-time link (``token_used_at``); a refused or erased
    submission voids its consents (``withdrawn_at`` only, ``consent.portal.void_consents``)."""
    if consent.withdrawn_at is not None:
        return "withdrawn" if consent.token_used_at is not None else "refused"
    if consent.grant_id is not None:
        return "granted"
    return "waiting"


def notice_verified(consent: PortalConsent) -> bool:
    digest = hashlib.sha256(consent.notice_text.encode("utf-8")).hexdigest()
    return digest == consent.notice_hash


class StateFilter(admin.SimpleListFilter):
    title = _("état")
    parameter_name = "etat"

    def lookups(self, request, model_admin):
        return list(STATES.items())

    def queryset(self, request, queryset):
        ended = Q(withdrawn_at__isnull=False)
        standing = Q(withdrawn_at__isnull=True)
        condition = {
            "withdrawn": ended & Q(token_used_at__isnull=False),
            "refused": ended & Q(token_used_at__isnull=True),
            "granted": standing & Q(grant__isnull=False),
            "waiting": standing & Q(grant__isnull=True),
        }.get(self.value() or "")
        return queryset if condition is None else queryset.filter(condition)


@admin.register(PortalConsent)
class PortalConsentAdmin(ReadOnlyDPOAdmin):
    list_display = (
        "given_display",
        "organization",
        "purpose_display",
        "notice_version",
        "state_display",
        "person_ref",
    )
    list_filter = ("purpose", StateFilter, ("organization", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("organization",)
    date_hierarchy = "given_at"
    fields = (
        "organization",
        "purpose_display",
        "categories_display",
        "channel",
        "given_display",
        "notice_version",
        "notice_text",
        "notice_hash",
        "notice_check",
        "state_display",
        "withdrawn_display",
        "link_expiry_display",
        "person_ref",
        "grant",
    )
    readonly_fields = fields

    def scope_queryset(self, request, queryset):
        who = dpo_actor(request)
        if who.is_superuser:
            return queryset
        return queryset.filter(organization_id__in=who.organization_ids)

    @admin.display(description=_("donné le"), ordering="given_at")
    def given_display(self, row):
        return french_datetime(row.given_at)

    @admin.display(description=_("finalité"), ordering="purpose")
    def purpose_display(self, row):
        return purpose_label(row.purpose)

    @admin.display(description=_("catégories de données"))
    def categories_display(self, row):
        return labels(row.categories, category_label)

    @admin.display(description=_("état"))
    def state_display(self, row):
        return STATES[state_of(row)]

    @admin.display(description=_("retiré le"))
    def withdrawn_display(self, row):
        return french_datetime(row.withdrawn_at)

    @admin.display(description=_("lien de retrait valable jusqu'au"))
    def link_expiry_display(self, row):
        return french_datetime(row.token_expires_at)

    @admin.display(description=_("contrôle de l'information"))
    def notice_check(self, row):
        if notice_verified(row):
            return _("L'empreinte correspond au texte conservé.")
        return _("L'empreinte ne correspond pas au texte conservé : le texte a été modifié.")

    @admin.display(description=_("personne"))
    def person_ref(self, row):
        if row.beneficiary_id is None:
            return _("pas encore dans le hub")
        return f"n° {str(row.beneficiary_id)[:8].upper()}"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export.csv", view(self.export_csv), name="consent_portalconsent_export_csv"),
            *super().get_urls(),
        ]

    def export_csv(self, request):
        if not is_dpo(request):
            raise PermissionDenied
        log_export(request, what="portal_consents")
        queryset = self.get_changelist_instance(request).get_queryset(request).order_by("given_at")

        def rows():
            yield EXPORT_COLUMNS
            for row in queryset.select_related("organization").iterator(chunk_size=2000):
                values = _export_values(row)
                yield [values[column] for column in EXPORT_COLUMNS]

        return csv_response(rows(), "consentements-portail.csv")


EXPORT_COLUMNS = [
    "id",
    "given_at",
    "organization",
    "purpose",
    "categories",
    "channel",
    "notice_version",
    "notice_hash",
    "notice_verified",
    "state",
    "withdrawn_at",
    "beneficiary_id",
    "grant",
]


def _export_values(row: PortalConsent) -> dict:
    return {
        "id": str(row.id),
        "given_at": timezone.localtime(row.given_at).isoformat(),
        "organization": row.organization.name,
        "purpose": row.purpose,
        "categories": " ".join(row.categories),
        "channel": row.channel,
        "notice_version": row.notice_version,
        "notice_hash": row.notice_hash,
        "notice_verified": "oui" if notice_verified(row) else "non",
        "state": state_of(row),
        "withdrawn_at": timezone.localtime(row.withdrawn_at).isoformat()
        if row.withdrawn_at
        else "",
        "beneficiary_id": str(row.beneficiary_id or ""),
        "grant": str(row.grant_id or ""),
    }
