"""The exchanges' sections of the person's page: cases, referrals, overlap alerts.

* cases: the viewer's organizations' own cases; the partners' cases (which partner supports
  the person, for what, since when — never their referent) only when the viewer's view of the
  person covers the support history supplied by others (a coordination or shared-secret grant,
  the person's consent);
* referrals sent or received by the viewer's organizations;
* overlap alerts of the viewer's organizations, the partner named only when the alerted
  organization may learn it now (``alerts.partner_disclosed``).

One query per section (rows with their organizations), whatever the number of rows.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consent.admin.common import french_date, french_datetime
from consent.vocab import Category
from exchanges import referrals as referral_service
from exchanges.admin.alerts import alert_status, partner_disclosed
from exchanges.admin.common import MASKED_PARTNER
from exchanges.admin.referrals import age_days, is_overdue
from exchanges.models import Case, CaseStatus, OverlapAlert, Referral
from hub.registry.admin.index_tools import Tool, ToolSection, register_tools
from hub.registry.admin.person_page import ROW_LIMIT, Action, Section, link, register_section
from hub.registry.admin.scoping import actor_for_request


def _admin_of(model):
    return admin.site._registry.get(model)


def _add_action(request, model, label, name, person_id):
    model_admin = _admin_of(model)
    if model_admin is None or not model_admin.has_add_permission(request):
        return []
    url = reverse(f"admin:exchanges_{model._meta.model_name}_add") + f"?beneficiary={person_id}"
    return [Action(label, url, name)]


@register_section(10)
def cases_section(request, person_id, view):
    model_admin = _admin_of(Case)
    if model_admin is None or not model_admin.has_view_permission(request):
        return None
    actor = actor_for_request(request)
    partners = view.sees_others(Category.SUPPORT_HISTORY)
    queryset = Case.objects.filter(beneficiary_id=person_id)
    if not actor.is_superuser and not partners:
        queryset = queryset.filter(organization_id__in=actor.organization_ids)
    rows = []
    for case in queryset.select_related("organization").order_by("-start_date", "id")[:ROW_LIMIT]:
        own = actor.is_superuser or case.organization_id in actor.organization_ids
        if own and case.status != CaseStatus.CLOSED:
            url = reverse("admin:exchanges_case_close", args=[case.pk])
            action = link(url, _("Clore l'accompagnement"), name="close-case")
        elif own:
            action = link(reverse("admin:exchanges_case_change", args=[case.pk]), _("Voir"))
        else:
            action = _("accompagnement d'un partenaire")
        rows.append(
            [
                case.organization.name,
                case.get_type_display(),
                case.get_status_display(),
                french_date(case.start_date),
                french_date(case.end_date),
                case.referent if own and case.referent else "—",
                action,
            ]
        )
    note = (
        ""
        if partners
        else _(
            "Les accompagnements des autres partenaires ne sont pas communiqués : demandez le "
            "consentement de la personne à la coordination entre partenaires."
        )
    )
    return Section(
        key="accompagnements",
        title=_("Accompagnements"),
        columns=[
            _("organisation"),
            _("type"),
            _("statut"),
            _("début"),
            _("fin"),
            _("référent"),
            _("action"),
        ],
        rows=rows,
        actions=_add_action(request, Case, _("Ouvrir un accompagnement"), "open-case", person_id),
        empty=_("Aucun accompagnement visible pour cette personne."),
        note=note,
    )


@register_section(20)
def referrals_section(request, person_id, view):
    model_admin = _admin_of(Referral)
    if model_admin is None or not model_admin.has_view_permission(request):
        return None
    actor = actor_for_request(request)
    found = (
        referral_service.referrals_for(actor)
        .filter(beneficiary_id=person_id)
        .select_related("sender", "receiver")
        .order_by("-sent_at", "id")[:ROW_LIMIT]
    )
    rows = []
    for referral in found:
        url = reverse("admin:exchanges_referral_change", args=[referral.pk])
        rows.append(
            [
                referral.sender.name,
                referral.receiver.name,
                referral.get_case_type_display(),
                referral.get_status_display(),
                french_datetime(referral.sent_at),
                _("%(n)d jour(s)") % {"n": age_days(referral)},
                _("oui") if is_overdue(referral) else _("non"),
                link(url, _("Voir l'orientation"), name="open-referral"),
            ]
        )
    return Section(
        key="orientations",
        title=_("Orientations"),
        columns=[
            _("de"),
            _("vers"),
            _("accompagnement demandé"),
            _("statut"),
            _("envoyée le"),
            _("ancienneté"),
            _("en retard"),
            _("action"),
        ],
        rows=rows,
        actions=_add_action(
            request, Referral, _("Envoyer une orientation"), "send-referral", person_id
        ),
        empty=_("Aucune orientation pour cette personne."),
    )


@register_section(30)
def alerts_section(request, person_id, view):
    model_admin = _admin_of(OverlapAlert)
    if model_admin is None or not model_admin.has_view_permission(request):
        return None
    actor = actor_for_request(request)
    queryset = OverlapAlert.objects.filter(beneficiary_id=person_id)
    if not actor.is_superuser:
        queryset = queryset.filter(Q(organization_id__in=actor.organization_ids))
    alerts = list(
        queryset.select_related("organization", "other_case__organization").order_by(
            "-created_at", "id"
        )[:ROW_LIMIT]
    )
    partner_disclosed(request, alerts)
    rows = []
    for alert in alerts:
        disclosed = getattr(alert, "_disclosed", False)
        url = reverse("admin:exchanges_overlapalert_change", args=[alert.pk])
        rows.append(
            [
                alert.get_type_display(),
                alert.organization.name,
                alert.other_case.organization.name if disclosed else MASKED_PARTNER,
                french_date(alert.other_case.start_date) if disclosed else "—",
                french_datetime(alert.created_at),
                alert_status(alert),
                link(url, _("Voir ou traiter l'alerte"), name="handle-alert"),
            ]
        )
    return Section(
        key="alertes",
        title=_("Alertes de chevauchement"),
        columns=[
            _("type"),
            _("organisation alertée"),
            _("partenaire"),
            _("accompagné(e) chez le partenaire depuis"),
            _("détectée le"),
            _("statut"),
            _("action"),
        ],
        rows=rows,
        empty=_("Aucune alerte de chevauchement pour cette personne."),
    )


@register_tools(20)
def daily_tools(request):
    """The social worker's and the coordinator's daily links."""
    tools = []
    for model, label, key in (
        (Referral, _("Envoyer une orientation"), "send-referral"),
        (Case, _("Ouvrir un accompagnement"), "open-case"),
    ):
        model_admin = _admin_of(model)
        if model_admin is not None and model_admin.has_add_permission(request):
            url = reverse(f"admin:exchanges_{model._meta.model_name}_add")
            tools.append(Tool(label, url, key))
    referral_admin = _admin_of(Referral)
    if referral_admin is not None and referral_admin.has_view_permission(request):
        url = reverse("admin:exchanges_referral_changelist") + "?en_retard=oui"
        tools.append(Tool(_("Orientations en retard (sans réponse)"), url, "overdue-referrals"))
    alert_admin = _admin_of(OverlapAlert)
    if alert_admin is not None and alert_admin.has_view_permission(request):
        url = reverse("admin:exchanges_overlapalert_changelist") + "?traitement=a_traiter"
        tools.append(Tool(_("Alertes de chevauchement à traiter"), url, "alerts-to-handle"))
    return ToolSection(key="travail", title=_("Mon travail"), tools=tools)
