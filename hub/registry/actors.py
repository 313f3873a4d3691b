"""Who is asking: a partner client (API) or a user acting for an organization (admin)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    organization_id: object | None
    client_id: int | None = None
    user_id: int | None = None
    is_superuser: bool = False
    label: str = ""

    @classmethod
    def for_client(cls, client) -> Actor:
        return cls(
            organization_id=client.organization_id,
            client_id=client.pk,
            label=f"client:{client.pk}",
        )

    @classmethod
    def for_user(cls, user, organization_id=None) -> Actor:
        return cls(
            organization_id=organization_id,
            user_id=user.pk,
            is_superuser=bool(user.is_superuser),
            label=f"user:{user.pk}",
        )
