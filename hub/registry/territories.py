"""A coordinator's territory: the organizations serving the communes (INSEE codes,
``Organization.insee_codes``) that the coordinator's organizations serve."""

from __future__ import annotations

from hub.registry.models import Membership, Organization, Role


def territory_organization_ids(user_id) -> tuple:
    """The organizations serving at least one INSEE code served by an organization where the
    user is an active coordinator (those organizations included). Empty for other roles."""
    if user_id is None:
        return ()
    coordinated = set(
        Membership.objects.filter(
            user_id=user_id,
            is_active=True,
            organization__is_active=True,
            role=Role.COORDINATOR,
            user__is_active=True,
        ).values_list("organization_id", flat=True)
    )
    if not coordinated:
        return ()
    rows = list(Organization.objects.values_list("pk", "insee_codes"))
    codes = {code for pk, served in rows if pk in coordinated for code in (served or ())}
    return tuple(pk for pk, served in rows if pk in coordinated or codes & set(served or ()))
