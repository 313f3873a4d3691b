"""Overlap alerts of the organization.

What an alert reveals (which partner supports the person for the same need, and since when) is
decided when the page is read, through the gate: the alerted organization must hold an active
grant covering the person's support history for coordination (a CASF L121-6-2 shared-secret
grant, the person's consent). A withdrawal hides the partner on the next request; the
``disclosed`` flag stored at detection is history, never read here.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from consent import gate
from consent.admin.common import french_date
from consent.admin.people import row_label
from consent.vocab import Category
from exchanges.admin.common import MASKED_PARTNER, ReadOnlyMixin, page_views
from exchanges.cases import COORDINATION, actor_for_organization
from exchanges.models import OverlapAlert
from hub.registry.admin.scoping import OrganizationScopedAdmin


def partner_disclosed(request, alerts) -> None:
    """Set ``alert._disclosed`` (may its organization learn the partner, now?) and
    ``alert._person_view`` (the viewer's view of the person, logged) on each alert."""
    alerts = list(alerts)
    operator = request.user.is_superuser
    by_org = defaultdict(list)
    for alert in alerts:
        by_org[alert.organization_id].append(alert.beneficiary_id)
    decisions = {}
    if not operator:
        for organization_id, ids in by_org.items():
            found = gate.views(actor_for_organization(organization_id), ids, purpose=COORDINATION)
            for pk, view in found.items():
                decisions[(organization_id, pk)] = view.sees_others(Category.SUPPORT_HISTORY)
    shown = page_views(
        request, [alert.beneficiary_id for alert in alerts], resource="overlap_alert"
    )
    for alert in alerts:
        alert._disclosed = operator or decisions.get(
            (alert.organization_id, alert.beneficiary_id), False
        )
        alert._person_view = shown.get(alert.beneficiary_id)


@admin.register(OverlapAlert)
class OverlapAlertAdmin(ReadOnlyMixin, OrganizationScopedAdmin):
    list_display = ("type", "person_column", "organization", "partner", "since", "created_at")
    list_filter = ("type", ("resolved_at", admin.EmptyFieldListFilter))
    list_select_related = ("organization", "other_case__organization")
    fields = (
        "organization",
        "person_column",
        "type",
        "case",
        "partner",
        "since",
        "created_at",
        "resolved_at",
    )
    readonly_fields = fields

    def get_changelist(self, request, **kwargs):
        base = super().get_changelist(request, **kwargs)

        class AlertChangeList(base):
            def get_results(self, request):
                super().get_results(request)
                self.result_list = list(self.result_list)
                partner_disclosed(request, self.result_list)

        return AlertChangeList

    def get_object(self, request, object_id, from_field=None):
        alert = super().get_object(request, object_id, from_field)
        if alert is not None:
            partner_disclosed(request, [alert])
        return alert

    @admin.display(description=_("personne"))
    def person_column(self, alert):
        return row_label(alert)

    @admin.display(description=_("partenaire"))
    def partner(self, alert):
        if not getattr(alert, "_disclosed", False):
            return MASKED_PARTNER
        return alert.other_case.organization.name

    @admin.display(description=_("accompagné(e) chez le partenaire depuis"))
    def since(self, alert):
        if not getattr(alert, "_disclosed", False):
            return "—"
        return french_date(alert.other_case.start_date)
