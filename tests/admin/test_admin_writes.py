"""The admin writes personal data and configuration through services only.

``test_no_admin_saves_personal_data_around_a_service`` enumerates ``admin.site._registry``: for
every model holding personal data (a person, a partner record, a household, or anything with
a foreign key, direct or one step away, to one of them: cases, referrals, grants...), either
no role (nor a superuser) may add, change or delete it in the admin, or its ModelAdmin is
marked ``service_backed`` *and* overrides every write hook it leaves open (``save_model``,
``delete_model``/``delete_queryset``, ``save_formset`` for a writable inline), and each of its
actions is marked ``service_backed``. The behavioural tests below check, for the registry's
admins, that an admin write leaves its access-log row and its outbox event.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.test import RequestFactory

from consent.models import AccessLog
from hub.outbox.models import Event
from hub.registry.actors import Actor
from hub.registry.models import (
    Beneficiary,
    Household,
    HouseholdMember,
    Membership,
    PartnerClient,
    PartnerRecord,
    Role,
)
from hub.registry.roles import sync_user_role_groups
from tests.admin.test_admin_gate import submit
from tests.conftest import Partner
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOTS = (Beneficiary, PartnerRecord, Household, HouseholdMember)

# Admins of other apps (consent, exchanges: not the registry's tree) that write personal data
# without the marker and overrides the test requires, as found on this branch. Strict: when one
# is fixed, its xfail turns into a failure, and it leaves this list.
KNOWN_BYPASSES: dict[str, str] = {}


def holds_personal_data(model, depth=2) -> bool:
    if model in ROOTS:
        return True
    if depth == 0:
        return False
    for field in model._meta.get_fields():
        if isinstance(field, models.ForeignKey | models.OneToOneField) and field.concrete:
            target = field.related_model
            if target is not model and holds_personal_data(target, depth - 1):
                return True
    return False


def personal_admins():
    return sorted(
        (
            (model._meta.label_lower, model_admin)
            for model, model_admin in admin.site._registry.items()
            if holds_personal_data(model)
        ),
        key=lambda pair: pair[0],
    )


def actors():
    organization = OrganizationFactory()
    users = []
    for role in Role.values:
        user = UserFactory(username=f"role.{role}")
        user.save()
        MembershipFactory(organization=organization, user=user, role=role)
        sync_user_role_groups(user)
        users.append(user)
    root = UserFactory(username="root", is_superuser=True)
    root.save()
    return [*users, root]


def request_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    request.session = {}
    request._messages = None
    return request


def overrides(model_admin, name, base) -> bool:
    return getattr(type(model_admin), name) is not getattr(base, name)


def bypasses(model_admin, users) -> list[str]:
    """What lets this admin write around a service, for any of ``users``."""
    problems = set()
    for user in users:
        request = request_for(user)
        writes = {
            "add": model_admin.has_add_permission(request),
            "change": model_admin.has_change_permission(request),
            "delete": model_admin.has_delete_permission(request),
        }
        inlines = [
            inline
            for inline in model_admin.get_inline_instances(request)
            if holds_personal_data(inline.model)
            and (
                inline.has_add_permission(request, None)
                or inline.has_change_permission(request)
                or inline.has_delete_permission(request)
            )
        ]
        actions = {
            name: func
            for name, (func, _n, _d) in model_admin.get_actions(request).items()
            if name != "delete_selected"
        }
        if (any(writes.values()) or inlines or actions) and not getattr(
            model_admin, "service_backed", False
        ):
            problems.add("not marked service_backed")
        if (writes["add"] or writes["change"]) and not overrides(
            model_admin, "save_model", admin.ModelAdmin
        ):
            problems.add("save_model not overridden")
        if writes["delete"]:
            for hook in ("delete_model", "delete_queryset"):
                if not overrides(model_admin, hook, admin.ModelAdmin):
                    problems.add(f"{hook} not overridden")
        if inlines and not overrides(model_admin, "save_formset", admin.ModelAdmin):
            problems.add("save_formset not overridden")
        for name, func in actions.items():
            if not getattr(func, "service_backed", False):
                problems.add(f"action {name} not marked service_backed")
    return sorted(problems)


def test_enumeration_sees_the_personal_data_admins(db):
    labels = {label for label, _ma in personal_admins()}
    assert {
        "registry.beneficiary",
        "registry.partnerrecord",
        "registry.household",
        "registry.reviewitem",
        "registry.merge",
        "consent.grant",
        "exchanges.case",
        "exchanges.referral",
    } <= labels
    assert "registry.organization" not in labels


def test_a_bypass_is_detected(db):
    """The check can fail: a plain ModelAdmin on households is reported."""

    class PlainHouseholdAdmin(admin.ModelAdmin):
        pass

    site = admin.AdminSite(name="probe")
    problems = bypasses(PlainHouseholdAdmin(Household, site), actors())
    assert "not marked service_backed" in problems
    assert "save_model not overridden" in problems


def _cases():
    return [
        pytest.param(
            label,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BYPASSES[label])]
            if label in KNOWN_BYPASSES
            else [],
            id=label,
        )
        for label, _ma in personal_admins()
    ]


@pytest.fixture(scope="module")
def registry_admins():
    return dict(personal_admins())


@pytest.mark.parametrize("label", _cases())
def test_no_admin_saves_personal_data_around_a_service(label, registry_admins):
    assert bypasses(registry_admins[label], actors()) == []


def test_anonymous_request_has_no_write(db):
    request = request_for(AnonymousUser())
    for _label, model_admin in personal_admins():
        assert not model_admin.has_add_permission(request)


# --- behaviour: an admin write leaves its access-log row and its event -------------------------


def staff(organization, role, username):
    user = UserFactory(username=username)
    user.save()
    MembershipFactory(organization=organization, user=user, role=role)
    sync_user_role_groups(user)
    return user


@pytest.fixture
def ccas():
    partner = Partner("CCAS A")
    partner.person = submit(partner, "A-1").beneficiary_id
    return partner


def household_form(organization, beneficiary_id, **extra):
    form = {
        "label": "Foyer",
        "address_line": "",
        "postcode": "",
        "city": "",
        "created_by": str(organization.pk),
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
        "members-0-beneficiary": str(beneficiary_id),
        "members-0-relationship": "head",
    }
    form.update(extra)
    return form


def test_household_written_in_admin_leaves_log_rows_and_events(client, ccas):
    user = staff(ccas.organization, Role.AGENT, "agent.a")
    client.force_login(user)
    response = client.post(
        "/admin/registry/household/add/", household_form(ccas.organization, ccas.person)
    )
    assert response.status_code == 302, response.content[:1000]
    household = Household.objects.get()
    assert Event.objects.filter(type="household.created", subject_id=str(household.pk)).exists()
    members = Event.objects.get(type="household.members_changed")
    assert members.data["saved"] == [str(ccas.person)]
    row = AccessLog.objects.get(resource="household", action="update")
    assert (row.beneficiary_id, row.user_id, row.basis) == (ccas.person, user.pk, "own_record")
    member = household.members.get()
    change = household_form(
        ccas.organization,
        ccas.person,
        **{
            "members-INITIAL_FORMS": "1",
            "members-0-id": str(member.pk),
            "members-0-household": str(household.pk),
            "members-0-DELETE": "on",
        },
    )
    response = client.post(f"/admin/registry/household/{household.pk}/change/", change)
    assert response.status_code == 302, response.content[:1000]
    assert not HouseholdMember.objects.exists()
    removed = Event.objects.filter(type="household.members_changed").order_by("id").last()
    assert removed.data["removed"] == [str(ccas.person)]
    assert AccessLog.objects.filter(resource="household", action="update").count() == 2


def test_organization_change_leaves_configuration_row_and_event(client, ccas):
    manager = staff(ccas.organization, Role.ADMIN, "resp.a")
    client.force_login(manager)
    response = client.post(
        f"/admin/registry/organization/{ccas.organization.pk}/change/",
        {"name": "CCAS A (Villeurbanne)", "siret": "", "insee_codes": "[]"},
    )
    assert response.status_code == 302, response.content[:2000]
    event = Event.objects.get(type="organization.updated")
    assert "name" in event.data["fields"]
    row = AccessLog.objects.get(resource="configuration")
    assert (row.action, row.user_id, row.beneficiary_id) == ("update", manager.pk, None)


def test_membership_writes_leave_configuration_rows_and_events(client, ccas):
    manager = staff(ccas.organization, Role.ADMIN, "resp.a")
    newcomer = UserFactory(username="newcomer")
    newcomer.save()
    client.force_login(manager)
    client.post(
        "/admin/registry/membership/add/",
        {
            "user": newcomer.pk,
            "organization": ccas.organization.pk,
            "role": Role.AGENT,
            "is_active": "on",
        },
    )
    membership = Membership.objects.get(user=newcomer)
    client.post(
        f"/admin/registry/membership/{membership.pk}/change/",
        {"user": newcomer.pk, "organization": ccas.organization.pk, "role": Role.COORDINATOR},
    )
    changes = [e.data["change"] for e in Event.objects.filter(type="membership.changed")]
    assert changes == ["created", "updated"]
    assert Event.objects.filter(type="membership.changed").last().data["is_active"] is False
    rows = AccessLog.objects.filter(resource="configuration").order_by("id")
    assert [r.action for r in rows] == ["create", "update"]


def test_membership_delete_by_superuser_goes_through_the_service(client, ccas):
    root = UserFactory(username="root", is_superuser=True)
    root.save()
    membership = MembershipFactory(organization=ccas.organization, role=Role.AGENT)
    client.force_login(root)
    response = client.post(f"/admin/registry/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Event.objects.get(type="membership.changed").data["change"] == "deleted"
    assert AccessLog.objects.get(resource="configuration").action == "delete"


def test_partner_client_writes_leave_configuration_rows_and_events(client, ccas):
    manager = staff(ccas.organization, Role.ADMIN, "resp.a")
    client.force_login(manager)
    client.post(
        "/admin/registry/partnerclient/add/",
        {"organization": ccas.organization.pk, "scopes": ["records:read"]},
    )
    created = PartnerClient.objects.exclude(pk=ccas.onboarded.client.pk).get()
    client.post(
        f"/admin/registry/partnerclient/{created.pk}/change/",
        {"allowed_scopes": "records:read records:write", "is_active": "on"},
    )
    client.post(
        "/admin/registry/partnerclient/",
        {"action": "deactivate", "_selected_action": [str(created.pk)], "index": 0},
    )
    created.refresh_from_db()
    assert created.is_active is False
    changes = [
        e.data["change"]
        for e in Event.objects.filter(type="client.changed", subject_id=str(created.pk))
    ]
    assert changes == ["created", "updated", "deactivated"]
    rows = AccessLog.objects.filter(resource="configuration", user=manager).order_by("id")
    assert [r.action for r in rows] == ["create", "update", "update"]
    assert Actor.for_user(manager).organization_id == ccas.organization.pk
