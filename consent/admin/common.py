"""Shared pieces of the consent admin: who may do what, French labels and dates, exports."""

from __future__ import annotations

import csv

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, HttpResponseNotFound, JsonResponse, StreamingHttpResponse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from consent.models import Decision
from consent.vocab import (
    Basis,
    Category,
    EvidenceMethod,
    FamilyInformation,
    GranteeType,
    GrantEventKind,
    GrantStatus,
    Purpose,
)
from hub.registry.actors import Actor
from hub.registry.admin.scoping import OrganizationScopedAdmin, actor_for_request
from hub.registry.models import Membership, Role

WORKER_ROLES = {Role.AGENT, Role.COORDINATOR, Role.ADMIN}


# --- Who may do what ---------------------------------------------------------------------------


def actor(request):
    return actor_for_request(request)


def is_dpo(request) -> bool:
    who = actor(request)
    return request.user.is_active and (who.is_superuser or Role.DPO in who.roles)


def is_worker(request) -> bool:
    who = actor(request)
    return request.user.is_active and (who.is_superuser or bool(WORKER_ROLES & set(who.roles)))


def is_org_admin(request) -> bool:
    who = actor(request)
    return request.user.is_active and (who.is_superuser or Role.ADMIN in who.roles)


def role_organizations(request, *roles) -> tuple:
    """The organizations where the user holds one of ``roles`` (a role is held per
    organization: the DPO of A who is an agent of B is no DPO of B)."""
    if not request.user.is_active:
        return ()
    return tuple(
        Membership.objects.filter(
            user_id=request.user.pk,
            is_active=True,
            organization__is_active=True,
            role__in=roles,
        )
        .order_by("created_at")
        .values_list("organization_id", flat=True)
    )


def actor_for_roles(request, *roles) -> Actor:
    """The user acting for the organizations where they hold one of ``roles``."""
    user = request.user
    if user.is_superuser:
        return Actor(organization_id=None, user_id=user.pk, is_superuser=True)
    orgs = role_organizations(request, *roles)
    return Actor(
        organization_id=orgs[0] if orgs else None,
        organization_ids=orgs,
        user_id=user.pk,
        roles=tuple(sorted(roles)),
    )


def dpo_actor(request) -> Actor:
    return actor_for_roles(request, Role.DPO)


def admin_actor(request) -> Actor:
    return actor_for_roles(request, Role.ADMIN)


def page_context(model_admin, request, title, **extra):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        **extra,
    }


def request_id(request) -> str:
    return getattr(request, "request_id", "")


def not_found() -> HttpResponseNotFound:
    return HttpResponseNotFound(_("Cette page n'existe pas."))


class ReadOnlyDPOAdmin(OrganizationScopedAdmin):
    """Read-only, for the DPO and superusers."""

    def has_module_permission(self, request):
        return is_dpo(request)

    def has_view_permission(self, request, obj=None):
        return is_dpo(request)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- French labels and dates -------------------------------------------------------------------

OTHER_LABELS = {
    "own_case": _("Accompagnement de l'organisation"),
    "territory_coordination": _("Coordination du territoire"),
    "allow": Decision.ALLOW.label,
    "deny": Decision.DENY.label,
}
ACTION_LABELS = {
    "read": _("consultation"),
    "write": _("écriture"),
    "disclose": _("transmission"),
    "export": _("export"),
    "report": _("rapport"),
    "erase": _("effacement"),
    "purge": _("purge"),
    "request": _("demande"),
    "answer": _("réponse"),
}
RESOURCE_LABELS = {
    "beneficiary": _("personne"),
    "grant": _("autorisation"),
    "case": _("accompagnement"),
    "case_overlap": _("chevauchement"),
    "overlap_alert": _("alerte de chevauchement"),
    "referral": _("orientation"),
    "record": _("fiche partenaire"),
    "disclosure_report": _("rapport de divulgation"),
    "subject_access": _("export du droit d'accès"),
    "dpo_export": _("export DPO"),
    "rights_request": _("demande d'exercice de droits"),
    "retention": _("durée de conservation"),
}


def _choice_label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return ""


def purpose_label(value) -> str:
    return _choice_label(Purpose, value) or str(value)


def category_label(value) -> str:
    return str(Category.LABELS.get(value, value))


def basis_label(value) -> str:
    if not value:
        return "—"
    return _choice_label(Basis, value) or str(OTHER_LABELS.get(value, value))


def decision_label(value) -> str:
    return str(OTHER_LABELS.get(value, value))


def action_label(action: str, resource: str = "") -> str:
    text = str(ACTION_LABELS.get(action, action))
    if resource:
        text = f"{text} — {RESOURCE_LABELS.get(resource, resource)}"
    return text


def status_label(value) -> str:
    return _choice_label(GrantStatus, value) or str(value)


def labels(values, label) -> str:
    """A JSON list of codes as its French labels, comma-separated."""
    return ", ".join(label(value) for value in (values or ())) or "—"


def french_datetime(value) -> str:
    """``value`` (aware) in Europe/Paris, French format; "—" when empty."""
    if not value:
        return "—"
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def french_date(value) -> str:
    if not value:
        return "—"
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATE_FORMAT")


VOCABULARIES = {
    "basis": basis_label,
    "status": status_label,
    "evidence_method": lambda v: _choice_label(EvidenceMethod, v) or "—",
    "family_information": lambda v: _choice_label(FamilyInformation, v) if v else "—",
    "grantee_type": lambda v: _choice_label(GranteeType, v),
    "kind": lambda v: _choice_label(GrantEventKind, v) or str(v),
}


# --- Exports -----------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def csv_response(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def json_response(data, filename: str) -> HttpResponse:
    response = JsonResponse(
        data, encoder=DjangoJSONEncoder, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
