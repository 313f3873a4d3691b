"""Fixtures of the registry admin tests: two CCAS with one person each, a member of each, a
superuser (modules that need another world define their own ``world``)."""

import pytest

from tests.admin.registry_helpers import member, staff_user, submit
from tests.conftest import Partner


@pytest.fixture
def world():
    a = Partner("CCAS A")
    b = Partner("CCAS B")
    return {
        "a": a,
        "b": b,
        "record_a": submit(
            a, "A-1", birth_name="Lefèvre", first_names="Hélène", birth_date="1984-03-12"
        ),
        "record_b": submit(
            b, "B-1", birth_name="Dupont", first_names="Zoé", birth_date="1991-07-30", sex="F"
        ),
    }


@pytest.fixture
def member_a(world):
    return member(world["a"].organization, username="agent.a")


@pytest.fixture
def member_b(world):
    return member(world["b"].organization, username="agent.b")


@pytest.fixture
def superuser(db):
    return staff_user(username="root", is_superuser=True)
