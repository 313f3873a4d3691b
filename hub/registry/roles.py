"""Membership roles and their Django groups.

Model permissions come from one Group per membership role (``ROLE_GROUPS``):

* the groups are created by the data migration ``registry.0002_role_groups`` and refreshed by
  ``ensure_role_groups()`` (``load_demo`` calls it, so that permissions of models added by later
  apps are picked up; it is idempotent);
* a user's groups follow their active memberships: ``sync_user_role_groups(user)`` is called when
  a membership is saved in the admin (and by ``load_demo``). Permissions are global in Django, so
  a user holding two roles gets the union; the rows stay limited to their organizations.
"""

from __future__ import annotations

from hub.registry.models import Role

# Group name per role (French: the names are shown in the admin).
ROLE_GROUPS = {
    Role.AGENT: "Rôle : travailleur social",
    Role.COORDINATOR: "Rôle : coordinateur",
    Role.ADMIN: "Rôle : administrateur d'organisation",
    Role.DPO: "Rôle : délégué à la protection des données",
    Role.CRISIS_AGENT: "Rôle : agent du registre des personnes vulnérables",
    Role.CALLER: "Rôle : appelant·e bénévole (réserve communale)",
}

_AGENT = [
    "registry.view_organization",
    "registry.view_beneficiary",
    "registry.view_partnerrecord",
    "registry.view_household",
    "registry.add_household",
    "registry.change_household",
    "registry.view_householdmember",
    "registry.add_householdmember",
    "registry.change_householdmember",
    "registry.delete_householdmember",
    # consent: record and withdraw legal bases and consents
    "consent.view_grant",
    "consent.add_grant",
    "consent.change_grant",
    "consent.view_grantevent",
    "consent.view_coordinationgroup",
    # exchanges: support cases and referrals of the organization
    "exchanges.view_case",
    "exchanges.add_case",
    "exchanges.change_case",
    "exchanges.view_overlapalert",
    "exchanges.view_referral",
    "exchanges.add_referral",
    "exchanges.change_referral",
    "exchanges.view_referralstep",
    # the citizen portal's queue: help requests to the organization (exchanges.submission_queue)
    "exchanges.view_portalsubmission",
]

_READ_ALL = [
    "registry.view_organization",
    "registry.view_membership",
    "registry.view_partnerclient",
    "registry.view_beneficiary",
    "registry.view_partnerrecord",
    "registry.view_household",
    "registry.view_householdmember",
    "consent.view_grant",
    "consent.view_grantevent",
    "consent.view_coordinationgroup",
    "exchanges.view_case",
    "exchanges.view_overlapalert",
    "exchanges.view_referral",
    "exchanges.view_referralstep",
]

# crisis (CASF L121-6-1): agents named by the mayor keep the register and run the plan; callers
# of the réserve communale only take calls of the campaigns they are assigned to.
_CALLER = ["crisis.view_call", "crisis.change_call", "crisis.view_booking", "crisis.add_booking"]
_CRISIS_AGENT = [
    *_CALLER,
    "crisis.view_registration",
    "crisis.add_registration",
    "crisis.change_registration",
    "crisis.view_activation",
    "crisis.add_activation",
    "crisis.change_activation",
    "crisis.view_campaigncaller",
    "crisis.add_campaigncaller",
    "crisis.delete_campaigncaller",
    "crisis.view_resource",
    "crisis.add_resource",
    "crisis.change_resource",
    "crisis.view_notification",
    # registration requests from the citizen portal (the queue is the exchanges admin's)
    "exchanges.view_portalsubmission",
]

# "app_label.codename" per role. Codenames of models that do not exist (yet) are skipped, so the
# list may name permissions of apps migrated after the registry (``ensure_role_groups`` again).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AGENT: _AGENT,
    Role.COORDINATOR: [
        *_AGENT,
        *_READ_ALL,
        "exchanges.change_overlapalert",
    ],
    Role.ADMIN: [
        *_AGENT,
        *_READ_ALL,
        "registry.change_organization",
        "registry.add_membership",
        "registry.change_membership",
        "registry.add_partnerclient",
        "registry.change_partnerclient",
        "exchanges.view_webhookendpoint",
        "exchanges.add_webhookendpoint",
        "exchanges.change_webhookendpoint",
        "exchanges.delete_webhookendpoint",
        "exchanges.view_webhookdelivery",
        "exchanges.view_importjob",
        "exchanges.view_importrow",
    ],
    # The DPO reads everything of their organizations, with the audit trail, and changes nothing.
    Role.DPO: [
        *_READ_ALL,
        "consent.view_accesslog",
        "consent.view_chaincheckpoint",
        "consent.view_legalhold",
        "consent.view_retentionrun",
        "exchanges.view_importjob",
    ],
    Role.CRISIS_AGENT: _CRISIS_AGENT,
    Role.CALLER: _CALLER,
}


def ensure_role_groups(*, group_model=None, permission_model=None) -> dict[str, object]:
    """Create or refresh the Group of each role with exactly its permissions (idempotent).

    The model classes may be historical ones (from a data migration).
    """
    if group_model is None or permission_model is None:
        from django.contrib.auth.models import Group, Permission

        group_model, permission_model = Group, Permission
    groups = {}
    for role, name in ROLE_GROUPS.items():
        group, _created = group_model.objects.get_or_create(name=name)
        wanted = set()
        for dotted in ROLE_PERMISSIONS[role]:
            app_label, codename = dotted.split(".", 1)
            wanted.update(
                permission_model.objects.filter(
                    content_type__app_label=app_label, codename=codename
                ).values_list("pk", flat=True)
            )
        current = set(group.permissions.values_list("pk", flat=True))
        if current != wanted:
            group.permissions.set(wanted)
        groups[role] = group
    return groups


def sync_user_role_groups(user) -> None:
    """Put ``user`` in the groups of the roles of their active memberships, and only those."""
    from django.contrib.auth.models import Group

    roles = set(
        user.memberships.filter(is_active=True, organization__is_active=True).values_list(
            "role", flat=True
        )
    )
    role_groups = {g.name: g for g in Group.objects.filter(name__in=ROLE_GROUPS.values())}
    current = set(user.groups.filter(name__in=ROLE_GROUPS.values()).values_list("name", flat=True))
    wanted = {ROLE_GROUPS[role] for role in roles if ROLE_GROUPS.get(role) in role_groups}
    for name in wanted - current:
        user.groups.add(role_groups[name])
    for name in current - wanted:
        user.groups.remove(role_groups[name])
    # Permission and actor caches of this user object are stale now.
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_passerelle_actor"):
        if hasattr(user, attr):
            delattr(user, attr)
