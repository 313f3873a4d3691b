"""factory_boy factories shared by the test suite."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from hub.registry.models import Membership, Organization, OrganizationKind, Role


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"CCAS de Test {n}")
    kind = OrganizationKind.CCAS

    class Params:
        association = factory.Trait(
            kind=OrganizationKind.ASSOCIATION, name=factory.Sequence(lambda n: f"Association {n}")
        )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.AGENT


def record_payload(**overrides) -> dict:
    body = {
        "birth_name": "Martin",
        "first_names": "Jeanne",
        "birth_date": "1984-03-12",
        "sex": "F",
        "address": {"line": "3 rue de la Paix", "postcode": "69003", "city": "Lyon"},
    }
    body.update(overrides)
    return body


def staff_user(**fields):
    """A saved user: ``UserFactory`` sets the password after creation without saving it, and
    ``force_login`` needs the stored password's session hash."""
    user = UserFactory(**fields)
    user.save()
    return user


def staff_client(organization, role: str = Role.AGENT):
    """A test client logged in as a new member of ``organization`` with ``role`` (its role
    group synced, as the admin's permissions need)."""
    from django.test import Client

    from hub.registry.roles import ensure_role_groups, sync_user_role_groups

    user = staff_user()
    MembershipFactory(organization=organization, user=user, role=role)
    ensure_role_groups()
    sync_user_role_groups(user)
    client = Client()
    client.force_login(user)
    return client


def records_like(record, count: int, prefix: str = "X") -> list:
    """``count`` bare partner records of ``record``'s organization and person (no payload,
    no keys): the members of a block the test fills by hand."""
    from hub.registry.models import PartnerRecord

    return [
        PartnerRecord.objects.create(
            organization=record.organization,
            external_id=f"{prefix}-{i}",
            beneficiary=record.beneficiary,
            payload={},
        )
        for i in range(count)
    ]
