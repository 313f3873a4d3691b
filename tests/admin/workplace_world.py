"""A small territory for the social worker's workplace tests.

* CCAS A holds the person's record (Quesnel Léonie) and records a consent to association B
  (identity, contact and support history, for coordination and shelter);
* association B holds no record of the person;
* association C (a stranger) holds nothing;
* the Ville V has a coordinator; A and B serve V's INSEE code, C serves another commune.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from consent.grants import record_grant
from exchanges.records import submit_record
from hub.registry.actors import Actor
from hub.registry.models import Membership, Role
from hub.registry.roles import sync_user_role_groups
from tests.conftest import Partner
from tests.factories import UserFactory, record_payload

NAME = "Quesnel"
FIRST = "Léonie"
INSEE = "69266"


@dataclass
class World:
    a: Partner
    b: Partner
    c: Partner
    v: Partner
    person: object = None
    users: dict = field(default_factory=dict)

    def actor(self, partner: Partner) -> Actor:
        return Actor.for_client(partner.onboarded.client)


def staff(partner: Partner, username: str, role: str = Role.AGENT):
    user = UserFactory(username=username)
    user.save()
    Membership.objects.create(user=user, organization=partner.organization, role=role)
    sync_user_role_groups(user)
    return user


def serve(partner: Partner, *codes: str) -> None:
    partner.organization.insee_codes = list(codes)
    partner.organization.save(update_fields=["insee_codes"])


def consent_to(world: World, grantee: Partner, categories=None, purposes=None):
    return record_grant(
        actor=world.actor(world.a),
        beneficiary_id=world.person,
        basis="consent",
        grantee_type="organization",
        grantee_organization_id=grantee.organization.pk,
        purposes=purposes or ["coordination", "shelter", "food_aid"],
        categories=categories or ["identity", "contact", "support_history"],
        evidence_method="written",
        collected_by_name="Mme Durand, CCAS",
    )


def build(*, grant_to_b: bool = True) -> World:
    world = World(
        a=Partner("CCAS Atelier-A"),
        b=Partner("Association Atelier-B", kind="association"),
        c=Partner("Association Atelier-C", kind="association"),
        v=Partner("Ville Atelier-V", kind="commune"),
    )
    for partner in (world.a, world.b, world.v):
        serve(partner, INSEE)
    serve(world.c, "75056")
    record = submit_record(
        actor=world.actor(world.a),
        external_id="A-QUESNEL",
        payload=record_payload(birth_name=NAME, first_names=FIRST, birth_date="1962-05-04"),
    ).record
    world.person = record.beneficiary_id
    if grant_to_b:
        consent_to(world, world.b)
    world.users = {
        "a": staff(world.a, "agent.a"),
        "b": staff(world.b, "agent.b"),
        "c": staff(world.c, "agent.c"),
        "coord": staff(world.v, "coord.v", Role.COORDINATOR),
        "dpo": staff(world.a, "dpo.a", Role.DPO),
    }
    return world
