"""Who is asking: a partner client (API) or a user acting for their organizations (admin)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller as the policy sees it.

    ``organization_ids`` are all the organizations the caller acts for (one for a partner client;
    every active membership for a user); ``organization_id`` is the one written in audit rows.
    """

    organization_id: object | None
    organization_ids: tuple = ()
    client_id: int | None = None
    user_id: int | None = None
    is_superuser: bool = False
    roles: tuple = ()

    @property
    def label(self) -> str:
        return f"client:{self.client_id}" if self.client_id else f"user:{self.user_id}"

    @classmethod
    def for_client(cls, client) -> Actor:
        return cls(
            organization_id=client.organization_id,
            organization_ids=(client.organization_id,),
            client_id=client.pk,
        )

    @classmethod
    def for_user(cls, user) -> Actor:
        """Every active membership of an active user (cached on the user object per request)."""
        cached = getattr(user, "_passerelle_actor", None)
        if cached is not None:
            return cached
        memberships = (
            list(
                user.memberships.filter(is_active=True, organization__is_active=True)
                .order_by("created_at")
                .values_list("organization_id", "role")
            )
            if user.is_authenticated and user.is_active
            else []
        )
        org_ids = tuple(dict.fromkeys(org for org, _ in memberships))
        actor = cls(
            organization_id=org_ids[0] if org_ids else None,
            organization_ids=org_ids,
            user_id=user.pk,
            is_superuser=bool(user.is_superuser),
            roles=tuple(sorted({role for _, role in memberships})),
        )
        user._passerelle_actor = actor
        return actor
