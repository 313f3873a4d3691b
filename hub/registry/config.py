"""Configuration writes: organizations, memberships, partner clients.

Each write emits its outbox event in its transaction (ids and codes only, no personal data);
the face writes its access-log row (resource ``configuration``) in the same transaction.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from hub.outbox.emit import emit
from hub.registry.models import Membership, Organization, PartnerClient
from hub.registry.partners import Onboarded, onboard_partner
from hub.registry.roles import sync_user_role_groups


def update_organization(*, organization: Organization, fields: list[str]) -> Organization:
    with transaction.atomic():
        organization.save()
        emit(
            type="organization.updated",
            organization_id=organization.pk,
            subject_id=organization.pk,
            data={"organization": str(organization.pk), "fields": sorted(fields)},
        )
    return organization


def _membership_event(membership: Membership, change: str, by) -> None:
    emit(
        type="membership.changed",
        organization_id=membership.organization_id,
        subject_id=membership.pk,
        data={
            "membership": membership.pk,
            "change": change,
            "user": membership.user_id,
            "role": membership.role,
            "is_active": membership.is_active,
            "by": getattr(by, "pk", None),
        },
    )


def save_membership(*, membership: Membership, by, previous_user_id=None) -> Membership:
    """Create or change a membership; the role groups of its user (and of the user it was
    moved from) follow at once."""
    created = membership._state.adding
    with transaction.atomic():
        membership.updated_by = by
        membership.save()
        sync_user_role_groups(membership.user)
        if previous_user_id and previous_user_id != membership.user_id:
            sync_user_role_groups(get_user_model().objects.get(pk=previous_user_id))
        _membership_event(membership, "created" if created else "updated", by)
    return membership


def delete_memberships(*, memberships, by) -> int:
    memberships = list(memberships)
    with transaction.atomic():
        users = {m.user_id: m.user for m in memberships}
        for membership in memberships:
            _membership_event(membership, "deleted", by)
            membership.delete()
        for user in users.values():
            sync_user_role_groups(user)
    return len(memberships)


def _client_event(client: PartnerClient, change: str, by) -> None:
    emit(
        type="client.changed",
        organization_id=client.organization_id,
        subject_id=client.pk,
        data={
            "client": client.pk,
            "change": change,
            "scopes": client.scope_list,
            "is_active": client.is_active,
            "by": getattr(by, "pk", None),
        },
    )


def create_partner_client(
    *, organization: Organization, scopes: list[str], client_name: str = "", by=None
) -> Onboarded:
    """A new OAuth2 client for an existing organization (its secret is in the answer, once)."""
    with transaction.atomic():
        result = onboard_partner(
            name=organization.name,
            kind=organization.kind,
            scopes=scopes,
            siret=organization.siret,
            client_name=client_name,
        )
        _client_event(result.client, "created", by)
    return result


def update_partner_client(*, client: PartnerClient, by=None) -> PartnerClient:
    with transaction.atomic():
        client.save()
        _client_event(client, "updated", by)
    return client


def deactivate_partner_clients(*, clients, by=None) -> int:
    count = 0
    with transaction.atomic():
        for client in clients:
            if not client.is_active:
                continue
            client.is_active = False
            client.save(update_fields=["is_active"])
            _client_event(client, "deactivated", by)
            count += 1
    return count
