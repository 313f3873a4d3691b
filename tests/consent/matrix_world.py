"""The world of the disclosure matrix: one person, four actors, three grant states.

* the **owner** (a CCAS) holds the person's full record, a case, a household, a referral;
* the **identity grantee** holds a grant covering the person's identity only;
* the **support grantee** holds a grant covering the support history only (and opens its own
  case of the same type, so an overlap alert exists for both);
* the **stranger** holds nothing.

Each actor has an API client with every scope and two staff users (organization admin, DPO).
The grants are active, withdrawn, or expired (``state``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from consent.grants import record_grant, withdraw_grant
from consent.models import Grant
from crisis import call_entries
from crisis.call_list import build_call_list
from crisis.plans import activate
from crisis.portal_intake import submit_registration
from crisis.register import register_person
from exchanges.cases import open_case
from exchanges.records import submit_record
from exchanges.referrals import send_referral
from exchanges.submissions import submit_help_request
from hub.registry.actors import Actor
from hub.registry.models import Household, HouseholdMember, Membership, Role
from hub.registry.roles import sync_user_role_groups
from tests.conftest import Partner
from tests.factories import UserFactory

ACTORS = ("owner", "identity", "support", "stranger")
STATES = ("active", "withdrawn", "expired")

PERSON = {
    "birth_name": "Quenehen",
    "first_names": "Marguerite",
    "birth_date": "1951-07-23",
    "sex": "F",
    "birth_place": "Tourcoing",
    "phone": "0611223344",
    "email": "marguerite.quenehen@example.org",
    "address": {"line": "17 rue des Glycines", "postcode": "59100", "city": "Roubaix"},
}
EXTERNAL_ID = "EXT-7Q3Z9"
OWNER_NAME = "CCAS de Wattrelos-Matrice"

IDENTITY_VALUES = {
    "birth name": "Quenehen",
    "first name": "Marguerite",
    "birth date": "1951-07-23",
    "birth date (French)": "23/07/1951",
    "birth place": "Tourcoing",
}
CRISIS_VALUES = {"emergency contact": "0699887766"}
CONTACT_VALUES = {
    "phone": "0611223344",
    "phone (spaced)": "06 11 22 33 44",
    "e-mail": "marguerite.quenehen@example.org",
    "address": "rue des Glycines",
}
OTHERS_VALUES = {"owner's external id": EXTERNAL_ID}


def forbidden(actor: str, state: str) -> dict:
    """What ``actor`` may not see in ``state``: label → value."""
    if actor == "owner":
        return dict(CRISIS_VALUES)  # the commune's register is not the CCAS's
    values = {**CONTACT_VALUES, **OTHERS_VALUES, **CRISIS_VALUES}
    if not (actor == "identity" and state == "active"):
        values.update(IDENTITY_VALUES)
    if actor == "stranger":
        values["owner's name"] = OWNER_NAME
    return values


@dataclass
class Party:
    partner: Partner
    users: dict = field(default_factory=dict)  # role -> user

    @property
    def actor(self) -> Actor:
        return Actor.for_client(self.partner.onboarded.client)


@dataclass
class World:
    state: str
    parties: dict
    person: str = ""
    ids: dict = field(default_factory=dict)


def _staff(party: Party, name: str, role: str):
    user = UserFactory(username=f"{name}-{role}")
    user.save()
    Membership.objects.create(user=user, organization=party.partner.organization, role=role)
    sync_user_role_groups(user)
    party.users[role] = user


def build(state: str) -> World:
    parties = {
        "owner": Party(Partner(OWNER_NAME)),
        "identity": Party(Partner("Association Identité-Matrice", kind="association")),
        "support": Party(Partner("SIAO Soutien-Matrice", kind="siao")),
        "stranger": Party(Partner("Association Étrangère-Matrice", kind="association")),
    }
    for name, party in parties.items():
        for role in (Role.ADMIN, Role.DPO):
            _staff(party, name, role)
    world = World(state=state, parties=parties)
    owner = parties["owner"].actor
    with transaction.atomic():
        result = submit_record(actor=owner, external_id=EXTERNAL_ID, payload=PERSON)
        person = result.record.beneficiary_id
        world.person = str(person)
        world.ids["record"] = result.record.pk
        grants = {}
        for grantee, categories in (("identity", ["identity"]), ("support", ["support_history"])):
            grants[grantee] = record_grant(
                actor=owner,
                beneficiary_id=person,
                basis="consent",
                grantee_type="organization",
                grantee_organization_id=parties[grantee].partner.organization.pk,
                purposes=["coordination", "shelter"],
                categories=categories,
                evidence_method="written",
                collected_by_name="Mme Durand, CCAS",
            )
        world.ids["grant"] = grants["identity"].pk
        world.ids["case"] = open_case(
            actor=owner, beneficiary_id=person, type="emergency_shelter"
        ).case.pk
        world.ids["referral"] = send_referral(
            actor=owner,
            beneficiary_id=person,
            receiver_id=parties["identity"].partner.organization.pk,
            case_type="emergency_shelter",
            message="Orientation pour hébergement",
        ).pk
        world.ids["support_case"] = open_case(
            actor=parties["support"].actor, beneficiary_id=person, type="emergency_shelter"
        ).case.pk
        household = Household.objects.create(
            label="Foyer M.", created_by=parties["owner"].partner.organization
        )
        HouseholdMember.objects.create(household=household, beneficiary_id=person)
        world.ids["household"] = household.pk
        # The commune's register of vulnerable persons (CASF L121-6-1) holds the person too,
        # with an open heatwave plan and its call list.
        commune = Party(Partner("Ville-Matrice", kind="commune"))
        registration = register_person(
            actor=commune.actor,
            person={k: v for k, v in PERSON.items() if k != "email"},
            category="age_65",
            requested_by="self",
            lives_alone=True,
            emergency_contact={"name": "Paul Quenehen", "phone": "0699887766"},
        )
        activation = activate(
            actor=commune.actor, plan="heatwave", level="alert", reason="Vigilance rouge"
        )
        build_call_list(activation_id=activation.pk)
        world.ids["registration"] = registration.pk
        # The citizen portal: a help request to the owner, a registration request to the commune
        # (waiting in their queues; neither is a record of anyone yet).
        world.ids["submission"] = submit_help_request(
            organization_id=parties["owner"].partner.organization.pk,
            person=dict(PERSON),
            need="emergency_shelter",
            situation="Sans solution pour ce soir",
            contact={"email": PERSON["email"]},
            availability="",
            purposes=["coordination"],
            client_ip="192.0.2.10",
        ).submission_id
        commune.partner.organization.insee_codes = ["59512"]
        commune.partner.organization.save(update_fields=["insee_codes"])
        world.ids["crisis_submission"] = submit_registration(
            commune_insee="59512",
            person={k: v for k, v in PERSON.items() if k != "email"},
            category="age_65",
            requested_by="self",
            requester=None,
            lives_alone=True,
            emergency_contact=None,
            purposes=["crisis_plan"],
            client_ip="",
        ).submission_id
        world.ids["activation"] = activation.pk
        # The list's calls are written when first taken: write the person's, as a claim would.
        world.ids["call"] = call_entries.write(call_entries.page(activation, 0, 1)[0]).pk
        if state == "expired":  # the grants' period ended yesterday
            past = timezone.now() - dt.timedelta(days=30)
            Grant.objects.filter(pk__in=[g.pk for g in grants.values()]).update(
                valid_from=past, valid_until=timezone.now() - dt.timedelta(days=1)
            )
        if state == "withdrawn":
            for grant in grants.values():
                withdraw_grant(
                    actor=owner, grant_id=grant.pk, reason="La personne retire son accord"
                )
    return world
