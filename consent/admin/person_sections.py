"""The consent's sections of the person's page, and the DPO's tools on the admin index: consents and legal bases (record one with the
person preselected, withdraw one), and the access history for the DPO.

Grants are those the viewer may see in the admin (``grants_visible_in_admin``: recorded by one
of its organizations or naming it as grantee); the access history is the DPO's (rows of the
DPO's organizations, ``AccessLogAdmin.scope_queryset``). One query per section.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from consent.admin.common import (
    action_label,
    basis_label,
    category_label,
    decision_label,
    french_date,
    french_datetime,
    is_dpo,
    labels,
    purpose_label,
    status_label,
)
from consent.admin.grants import grants_visible_in_admin
from consent.models import AccessLog, Grant
from consent.vocab import GrantStatus
from hub.registry.admin.index_tools import Tool, ToolSection, register_tools
from hub.registry.admin.person_page import ROW_LIMIT, Action, Section, link, register_section
from hub.registry.admin.scoping import actor_for_request

HISTORY_ROWS = 10


@register_section(40)
def consents_section(request, person_id, view):
    model_admin = admin.site._registry.get(Grant)
    if model_admin is None or not model_admin.has_view_permission(request):
        return None
    grants = list(
        grants_visible_in_admin(actor_for_request(request))
        .filter(beneficiary_id=person_id)
        .select_related("granted_by", "grantee_organization", "grantee_group")
        .order_by("-created_at", "id")[:ROW_LIMIT]
    )
    may_withdraw = model_admin.has_withdraw_permission(request)
    rows = []
    for grant in grants:
        status = grant.status
        actions = [link(reverse("admin:consent_grant_change", args=[grant.pk]), _("Voir"))]
        if may_withdraw and status in (GrantStatus.ACTIVE, GrantStatus.PENDING):
            url = reverse("admin:consent_grant_withdraw", args=[grant.pk])
            actions.append(link(url, _("Retirer"), name="withdraw-grant"))
        rows.append(
            [
                basis_label(grant.basis),
                grant.grantee_label,
                grant.granted_by.name,
                labels(grant.purposes, purpose_label),
                labels(grant.categories, category_label),
                french_date(grant.valid_until) if grant.valid_until else _("sans limite"),
                status_label(status),
                _join(actions),
            ]
        )
    actions = []
    if model_admin.has_add_permission(request):
        url = reverse("admin:consent_grant_add") + f"?beneficiary={person_id}"
        actions.append(
            Action(_("Enregistrer un consentement ou une base légale"), url, "record-grant")
        )
    return Section(
        key="consentements",
        title=_("Consentements et bases légales"),
        columns=[
            _("base légale"),
            _("destinataire"),
            _("enregistrée par"),
            _("finalités"),
            _("catégories de données"),
            _("valable jusqu'au"),
            _("statut"),
            _("actions"),
        ],
        rows=rows,
        actions=actions,
        empty=_("Aucune autorisation visible pour cette personne."),
    )


def _join(parts):
    return format_html_join(" · ", "{}", ((part,) for part in parts))


@register_section(70)
def access_section(request, person_id, view):
    model_admin = admin.site._registry.get(AccessLog)
    if model_admin is None or not is_dpo(request):
        return None
    rows_qs = model_admin.scope_queryset(
        request, AccessLog.objects.filter(beneficiary_id=person_id)
    )
    entries = list(rows_qs.select_related("organization", "user").order_by("-id")[:HISTORY_ROWS])
    rows = [
        [
            french_datetime(entry.at),
            entry.organization.name if entry.organization_id else "—",
            entry.user.get_username() if entry.user_id else _("client partenaire (API)"),
            action_label(entry.action, entry.resource),
            decision_label(entry.decision),
            purpose_label(entry.purpose) if entry.purpose else "—",
        ]
        for entry in entries
    ]
    more = Action(
        _("Historique complet et rapport d'accès (art. 15)"),
        reverse("admin:consent_dpo_person", args=[person_id]),
        "dpo-person",
    )
    return Section(
        key="acces",
        title=_("Historique des accès"),
        columns=[_("le"), _("organisation"), _("par"), _("action"), _("décision"), _("finalité")],
        rows=rows,
        empty=_("Aucun accès enregistré pour vos organisations."),
        note=_("Les %(n)d derniers accès enregistrés par vos organisations.") % {"n": HISTORY_ROWS},
        more=more,
    )


@register_tools(10)
def dpo_tools(request):
    if not is_dpo(request):
        return None
    tools = [
        (
            _("Rechercher une personne (rapport d'accès, art. 15)"),
            "consent_dpo_index",
            "dpo-search",
        ),
        (_("Journal des accès (filtres, exports)"), "consent_accesslog_changelist", "access-log"),
        (
            _("Registre des autorisations (consentements et bases légales)"),
            "consent_grantevent_changelist",
            "grant-ledger",
        ),
        (
            _("Registre des activités de traitement (RGPD art. 30)"),
            "consent_dpo_register",
            "art30",
        ),
        (_("Intégrité des journaux"), "consent_dpo_integrity", "integrity"),
        (_("Durées de conservation (simulation)"), "consent_dpo_retention", "retention"),
    ]
    return ToolSection(
        key="dpo",
        title=_("Outils du délégué à la protection des données"),
        tools=[Tool(label, reverse(f"admin:{name}"), key) for label, name, key in tools],
    )
