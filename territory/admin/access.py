"""Who may open the observatory: aggregates only, so no organization scoping, but not everyone.

* superusers;
* staff with an active membership as coordinator, organization administrator or DPO;
* staff holding ``territory.view_observatory``: the read-only group « Observatoire : élus et
  direction (lecture seule) » (created by migration ``territory.0002``) for elected officials
  and the direction d'action sociale, who need no other right in the admin.

Social workers (role agent) do not see the observatory unless they are also in that group.
"""

from __future__ import annotations

from hub.registry.actors import Actor
from hub.registry.models import Role

READ_ONLY_GROUP = "Observatoire : élus et direction (lecture seule)"
ROLES = {Role.COORDINATOR, Role.ADMIN, Role.DPO}


def may_view(user) -> bool:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_superuser or user.has_perm("territory.view_observatory"):
        return True
    return bool(ROLES & set(Actor.for_user(user).roles))
