"""Staff in the registry admin: the DPO reads without changing, a login without membership or
with a deactivated one sees nothing, memberships record who changed them and keep their role
group, and partner clients are created by an organization's admin only (secret shown once)."""

import pytest
from django.contrib.auth.models import Group

from hub.registry.models import Household, Membership, PartnerClient, Role
from hub.registry.roles import ROLE_GROUPS
from tests.admin.registry_helpers import BENEFICIARIES, login, member, staff_user
from tests.conftest import Partner

pytestmark = pytest.mark.django_db


def test_dpo_reads_but_cannot_change(client, world):
    dpo = member(world["a"].organization, role=Role.DPO, username="dpo.a")
    household = Household.objects.create(label="Foyer", created_by=world["a"].organization)
    login(client, dpo)
    assert client.get(f"/admin/registry/household/{household.pk}/change/").status_code == 200
    response = client.post(
        f"/admin/registry/household/{household.pk}/change/",
        {"label": "Changé", "created_by": str(world["a"].organization.pk)},
    )
    assert response.status_code == 403
    household.refresh_from_db()
    assert household.label == "Foyer"
    assert client.get("/admin/registry/household/add/").status_code == 403
    assert client.get("/admin/registry/membership/add/").status_code == 403


def test_staff_without_membership_sees_nothing(client, world):
    outsider = staff_user(username="outsider")
    outsider.groups.add(Group.objects.get(name=ROLE_GROUPS[Role.AGENT]))
    login(client, outsider)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "registry" not in {app["app_label"] for app in index.context["app_list"]}
    assert client.get(BENEFICIARIES).status_code == 403
    assert client.get(f"{BENEFICIARIES}{world['record_a'].beneficiary_id}/change/").status_code in (
        302,
        403,
    )


def test_deactivated_membership_loses_access(client, world, member_a):
    Membership.objects.filter(user=member_a).update(is_active=False)
    login(client, member_a)
    assert client.get(BENEFICIARIES).status_code == 403


def test_membership_change_records_updated_by_and_role_group(client, world):
    manager = member(world["a"].organization, role=Role.ADMIN, username="resp.a")
    newcomer = staff_user(username="newcomer")
    login(client, manager)
    response = client.post(
        "/admin/registry/membership/add/",
        {
            "user": newcomer.pk,
            "organization": world["a"].organization.pk,
            "role": Role.COORDINATOR,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    membership = Membership.objects.get(user=newcomer)
    assert membership.updated_by == manager
    assert set(newcomer.groups.values_list("name", flat=True)) == {ROLE_GROUPS[Role.COORDINATOR]}


def test_membership_cannot_be_added_to_another_organization(client, world):
    manager = member(world["a"].organization, role=Role.ADMIN, username="resp.a")
    newcomer = staff_user(username="newcomer")
    login(client, manager)
    response = client.post(
        "/admin/registry/membership/add/",
        {"user": newcomer.pk, "organization": world["b"].organization.pk, "role": Role.ADMIN},
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(user=newcomer).exists()


def test_partner_client_created_in_admin_shows_secret_once_and_gets_a_token(client, world):
    manager = member(world["a"].organization, role=Role.ADMIN, username="resp.a")
    login(client, manager)
    before = set(PartnerClient.objects.values_list("pk", flat=True))
    response = client.post(
        "/admin/registry/partnerclient/add/",
        {
            "organization": world["a"].organization.pk,
            "client_name": "Logiciel métier",
            "scopes": ["records:read"],
        },
    )
    # POST-redirect-GET: the secret is shown on the page the POST redirects to.
    assert response.status_code == 302
    assert response["Location"] == "/admin/registry/partnerclient/add/created/"
    shown = client.get(response["Location"])
    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]
    created = PartnerClient.objects.exclude(pk__in=before).get()
    assert created.organization == world["a"].organization
    assert created.scope_list == ["records:read"]
    secret = shown.context["client_secret"]
    assert secret in shown.content.decode()
    assert secret != created.application.client_secret  # only the hash is stored
    partner = Partner.__new__(Partner)
    partner.client_id, partner.client_secret = created.application.client_id, secret
    assert partner.token()
    # Refreshing the secret page neither creates a second client nor shows the secret again.
    again = client.get(response["Location"], follow=True)
    assert secret not in again.content.decode()
    assert "affiché qu" in again.content.decode()
    assert PartnerClient.objects.exclude(pk__in=before).count() == 1
    assert secret not in client.get("/admin/registry/partnerclient/").content.decode()
    assert "passerelle_new_client" not in client.session


def test_agent_cannot_create_partner_client(client, world, member_a):
    login(client, member_a)
    response = client.post(
        "/admin/registry/partnerclient/add/",
        {"organization": world["a"].organization.pk, "scopes": ["records:read"]},
    )
    assert response.status_code == 403
