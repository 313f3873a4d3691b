"""The crisis register's section of the person's page (CASF L121-6-1): the entries of the
registers the viewer keeps, read through ``crisis.register`` (purpose ``crisis_plan``): an
entry the policy does not disclose is shown without its details, and nothing of another
organization's register (the commune's register is not the CCAS's)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crisis import disclosure
from crisis.admin.common import actor_of
from crisis.models import Registration
from crisis.vocab import RegistrationStatus
from hub.registry.admin.person_page import Section, link, register_section


@register_section(60)
def crisis_section(request, person_id, view):
    model_admin = admin.site._registry.get(Registration)
    if model_admin is None or not model_admin.has_view_permission(request):
        return None
    actor = actor_of(request)
    entries = list(
        disclosure.register_of(actor)
        .filter(beneficiary_id=person_id)
        .exclude(status=RegistrationStatus.REMOVED)
        .select_related("organization")
        .order_by("-created_at", "id")[:5]
    )
    pending = [e for e in entries if e.status == RegistrationStatus.PENDING]
    active = [e for e in entries if e.status == RegistrationStatus.ACTIVE]
    shown = {
        e.pk
        for e in [
            *disclosure.disclose_requests(actor=actor, registrations=pending),
            *disclosure.disclose(actor=actor, registrations=active, purpose="crisis_plan"),
        ]
    }
    rows = []
    for entry in entries:
        visible = entry.pk in shown
        url = reverse("admin:crisis_registration_change", args=[entry.pk])
        rows.append(
            [
                entry.organization.name,
                entry.get_status_display(),
                entry.get_category_display() if visible else "—",
                link(url, _("Voir l'inscription"), name="open-registration"),
            ]
        )
    return Section(
        key="registre",
        title=_("Registre des personnes vulnérables (canicule, grand froid)"),
        columns=[_("registre de"), _("statut"), _("catégorie"), _("action")],
        rows=rows,
        empty=_("Aucune inscription dans les registres que vous tenez."),
    )
