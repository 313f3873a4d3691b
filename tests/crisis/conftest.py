"""Fixtures for the crisis plans: a commune with its register, an association, a préfecture."""

from __future__ import annotations

import pytest

from crisis import register
from hub.registry.actors import Actor
from tests.conftest import Partner
from tests.factories import MembershipFactory, OrganizationFactory, staff_user

CRISIS_SCOPES = "records:read records:write crisis:read crisis:write crisis:activate events:read"


def person_body(**overrides) -> dict:
    body = {
        "birth_name": "Lefèvre",
        "first_names": "Odette",
        "birth_date": "1938-05-04",
        "sex": "F",
        "phone": "0478123456",
        "address": {"line": "12 rue Paul Bert", "postcode": "69100", "city": "Villeurbanne"},
    }
    body.update(overrides)
    return body


@pytest.fixture
def commune(db):
    return Partner("Ville de Villeurbanne", kind="commune", scopes=CRISIS_SCOPES)


@pytest.fixture
def commune_actor(commune):
    org = commune.organization
    return Actor(organization_id=org.pk, organization_ids=(org.pk,), client_id=None, user_id=None)


@pytest.fixture
def agent(commune):
    membership = MembershipFactory(
        organization=commune.organization, role="crisis_agent", user=staff_user()
    )
    return membership.user


@pytest.fixture
def agent_actor(agent):
    return Actor.for_user(agent)


@pytest.fixture
def prefecture(db):
    return Partner("Préfecture du Rhône", kind="prefecture", scopes="crisis:prefect events:read")


@pytest.fixture
def association(db):
    return Partner("Association Soleil", kind="association")


@pytest.fixture
def register_one(agent_actor):
    def make(**overrides):
        kwargs = {
            "person": person_body(),
            "category": "age_65",
            "requested_by": "self",
            "lives_alone": True,
        }
        kwargs.update(overrides)
        return register.register_person(actor=agent_actor, **kwargs)

    return make


def make_caller(organization, **kwargs):
    return MembershipFactory(
        organization=organization, role="caller", user=staff_user(**kwargs)
    ).user


def listed(activation):
    """The whole call list of an activation, as the commune's agents see it: written calls and
    entries not written yet (unsaved calls with the id their row will have)."""
    from crisis import call_entries

    return call_entries.page(activation, 0, 10_000)


__all__ = ["OrganizationFactory", "listed", "make_caller", "person_body"]


@pytest.fixture
def activate(agent_actor, django_capture_on_commit_callbacks):
    """Trigger a plan as the commune's agent and run what is queued on commit (call list)."""
    from crisis import plans

    def make(plan="heatwave", level="alert", reason="Canicule", actor=None):
        with django_capture_on_commit_callbacks(execute=True):
            return plans.activate(actor=actor or agent_actor, plan=plan, level=level, reason=reason)

    return make
