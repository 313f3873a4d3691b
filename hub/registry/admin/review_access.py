"""Who may use the review queue, the merge history and the dedupe runs.

Travailleur social and coordinateur decide; DPO and administrateur d'organisation read;
superusers do everything. Roles come from the user's active memberships. A review item or a
merge is listed only if the user may see *both* persons (``consent.gate.visible``): a reviewer
decides with both sides in view.
"""

from __future__ import annotations

from consent import gate
from hub.registry.admin.gate import actor_of
from hub.registry.models import Role

VIEW_ROLES = frozenset({Role.AGENT, Role.COORDINATOR, Role.DPO, Role.ADMIN})
DECIDE_ROLES = frozenset({Role.AGENT, Role.COORDINATOR})


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
    visible = gate.visible(actor).values("pk")
    return queryset.filter(**{f"{first}__in": visible, f"{second}__in": visible})


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
