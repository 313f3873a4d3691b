"""What the registry admin tests share: the URLs, submitting a record as a partner, staff
users and memberships, logging in, reading a change list, and the "does not exist" answer."""

from django.contrib.messages import get_messages

from exchanges.records import submit_record
from hub.registry.actors import Actor
from hub.registry.models import Role
from hub.registry.roles import sync_user_role_groups
from tests.factories import MembershipFactory, record_payload, staff_user

BENEFICIARIES = "/admin/registry/beneficiary/"
RECORDS = "/admin/registry/partnerrecord/"
AUTOCOMPLETE = "/admin/registry/beneficiary/autocomplete/"


def submit(partner, external_id, **fields):
    result = submit_record(
        actor=Actor.for_client(partner.onboarded.client),
        external_id=external_id,
        payload=record_payload(**fields),
    )
    return result.record


def member(organization, role=Role.AGENT, **user_fields):
    membership = MembershipFactory(
        organization=organization, role=role, user=staff_user(**user_fields)
    )
    sync_user_role_groups(membership.user)
    return membership.user


def login(client, user):
    client.force_login(user)
    return client


def listed(response):
    assert response.status_code == 200, response.content[:500]
    return {str(obj.pk) for obj in response.context["cl"].result_list}


def assert_absent(response):
    """The admin redirects to its index saying the object does not exist."""
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("n’existe pas" in text or "n'existe pas" in text for text in texts), texts
