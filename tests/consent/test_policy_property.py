"""Property: for any set of grants, the API answers exactly what an independent oracle says.

The oracle restates the rules from the issue, without using the policy code: own record →
everything; otherwise the union of the categories of grants that are neither withdrawn nor
expired nor not yet valid, that name the partner (itself, a group it belongs to, its kind) and
that cover the purpose asked; nothing → 404.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from consent.models import CoordinationGroup, Grant
from hub.registry.models import Beneficiary, PartnerRecord
from tests.conftest import Partner

pytestmark = pytest.mark.django_db

CATEGORIES = ["identity", "contact", "situation", "support_history", "health"]
PURPOSES = ["food_aid", "shelter", "coordination"]
PARTNERS = ["A", "B", "C"]
KINDS = {"A": "ccas", "B": "association", "C": "departement"}
GROUP_MEMBERS = {"B", "C"}
OWNERS = {0: {"A"}, 1: {"B"}, 2: {"A", "C"}}
GRANTEES = [("org", p) for p in PARTNERS] + [("group", "G")] + [("kind", k) for k in KINDS.values()]
STATES = ["active", "withdrawn", "expired", "pending", "open_ended"]

grant_strategy = st.fixed_dictionaries(
    {
        "person": st.sampled_from(sorted(OWNERS)),
        "grantee": st.sampled_from(GRANTEES),
        "categories": st.sets(st.sampled_from(CATEGORIES), min_size=1),
        "purposes": st.sets(st.sampled_from(PURPOSES), min_size=1),
        "state": st.sampled_from(STATES),
    }
)


def oracle(partner: str, person: int, purpose: str, grants: list[dict]) -> set[str] | None:
    if partner in OWNERS[person]:
        return set(CATEGORIES)
    seen: set[str] = set()
    for grant in grants:
        if grant["person"] != person or grant["state"] not in ("active", "open_ended"):
            continue
        kind, who = grant["grantee"]
        names_partner = (
            (kind == "org" and who == partner)
            or (kind == "group" and partner in GROUP_MEMBERS)
            or (kind == "kind" and who == KINDS[partner])
        )
        if names_partner and (not purpose or purpose in grant["purposes"]):
            seen |= grant["categories"]
    return seen or None


@pytest.fixture
def world(db):
    partners = {name: Partner(f"Partenaire {name}", kind=KINDS[name]) for name in PARTNERS}
    orgs = {name: p.organization for name, p in partners.items()}
    group = CoordinationGroup.objects.create(
        name="Groupe G", coordinator_name="Mme G", coordinator_organization=orgs["B"]
    )
    group.members.set([orgs[name] for name in GROUP_MEMBERS])
    persons = {}
    for index, owners in OWNERS.items():
        person = Beneficiary.objects.create(birth_name=f"Personne{index}", phone="0600000000")
        for owner in owners:
            PartnerRecord.objects.create(
                organization=orgs[owner],
                external_id=f"P{index}",
                beneficiary=person,
                payload={"birth_name": f"Personne{index}"},
            )
        persons[index] = person
    apis = {name: p.api() for name, p in partners.items()}
    return {"orgs": orgs, "group": group, "persons": persons, "apis": apis}


def make_grant(world, spec, now):
    kind, who = spec["grantee"]
    period = {
        "active": (now - dt.timedelta(days=1), now + dt.timedelta(days=1), None),
        "open_ended": (now - dt.timedelta(days=1), None, None),
        "withdrawn": (now - dt.timedelta(days=1), now + dt.timedelta(days=1), now),
        "expired": (now - dt.timedelta(days=2), now - dt.timedelta(seconds=1), None),
        "pending": (now + dt.timedelta(days=1), now + dt.timedelta(days=2), None),
    }[spec["state"]]
    Grant.objects.create(
        beneficiary=world["persons"][spec["person"]],
        basis="consent",
        grantee_type={"org": "organization", "group": "group", "kind": "kind"}[kind],
        grantee_organization=world["orgs"][who] if kind == "org" else None,
        grantee_group=world["group"] if kind == "group" else None,
        grantee_kind=who if kind == "kind" else "",
        granted_by=world["orgs"]["A"],
        purposes=sorted(spec["purposes"]),
        categories=sorted(spec["categories"]),
        valid_from=period[0],
        valid_until=period[1],
        withdrawn_at=period[2],
        evidence_method="written",
        collected_by_name="test",
    )


@settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    grants=st.lists(grant_strategy, max_size=6),
    purpose=st.sampled_from(["", *PURPOSES]),
)
def test_api_answers_match_the_oracle_for_any_grants(world, grants, purpose):
    with transaction.atomic():
        now = timezone.now()
        for spec in grants:
            make_grant(world, spec, now)
        query = f"?purpose={purpose}" if purpose else ""
        for partner in PARTNERS:
            for person, beneficiary in world["persons"].items():
                response = world["apis"][partner].get(
                    f"/api/v1/beneficiaries/{beneficiary.pk}{query}"
                )
                expected = oracle(partner, person, purpose, grants)
                where = f"partner {partner}, person {person}"
                if expected is None:
                    assert response.status_code == 404, where
                else:
                    assert response.status_code == 200, (where, response.content)
                    body = response.json()
                    assert set(body["categories"]) == expected, where
                    assert (body["identity"] is not None) == ("identity" in expected)
                    assert (body["contact"] is not None) == ("contact" in expected)
        transaction.set_rollback(True)
