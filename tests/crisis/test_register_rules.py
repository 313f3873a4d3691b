"""The legal rules of the register (CASF L121-6-1), through the services and consent's gate."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.utils import timezone

from consent import policy
from consent.models import Grant
from consent.vocab import Purpose
from crisis import disclosure, plans, register
from crisis.errors import CrisisError, PurposeRefused
from crisis.models import Registration
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, PartnerRecord
from tests.crisis.conftest import person_body
from tests.factories import record_payload

pytestmark = pytest.mark.django_db


def test_self_registration_rests_on_a_legal_obligation_grant_for_the_crisis_plan_only(
    register_one, commune
):
    entry = register_one()
    assert entry.status == "active"
    grant = Grant.objects.get(pk=entry.grant_id)
    assert grant.basis == "legal_obligation"
    assert grant.purposes == ["crisis_plan"]
    assert "L121-6-1" in grant.legal_reference
    assert grant.grantee_organization_id == commune.organization.pk
    assert set(grant.categories) == {"identity", "contact", "situation"}


def test_no_other_purpose_passes_the_gate(register_one, agent_actor):
    entry = register_one()
    allowed = policy.decide(agent_actor, entry.beneficiary_id, purpose=Purpose.CRISIS_PLAN)
    assert allowed.allowed and allowed.basis == "legal_obligation"
    for purpose in [p for p in Purpose.values if p != Purpose.CRISIS_PLAN]:
        assert not policy.decide(agent_actor, entry.beneficiary_id, purpose=purpose).allowed
    # Operational purposes of faces (and none at all) match no crisis grant either.
    for purpose in ("", "referral", "case_management", "consultation_admin"):
        assert not policy.decide(agent_actor, entry.beneficiary_id, purpose=purpose).allowed
        many = policy.decide_many(agent_actor, [entry.beneficiary_id], purpose=purpose)
        assert not many[entry.beneficiary_id].allowed
    assert not policy.visible_beneficiaries(agent_actor).filter(pk=entry.beneficiary_id).exists()
    with pytest.raises(PurposeRefused):
        disclosure.disclose(actor=agent_actor, registrations=[entry], purpose=Purpose.COORDINATION)
    assert disclosure.disclose(
        actor=agent_actor, registrations=[entry], purpose=Purpose.CRISIS_PLAN
    ) == [entry]


def test_third_party_registration_is_pending_until_acknowledged(register_one, agent_actor):
    entry = register_one(
        requested_by="third_party",
        third_party={"name": "Jean Lefèvre", "contact": "0600000000", "relation": "fils"},
    )
    assert entry.status == "pending"
    assert entry.grant_id is None
    # The due date counts in Paris days: near midnight UTC they differ.
    requested_on = timezone.localdate(entry.requested_at)
    assert (entry.acknowledgment_due - requested_on).days == 8
    assert not policy.decide(agent_actor, entry.beneficiary_id, purpose="crisis_plan").allowed
    assert (
        disclosure.disclose(actor=agent_actor, registrations=[entry], purpose="crisis_plan") == []
    )
    entry = register.acknowledge_request(actor=agent_actor, registration_id=entry.pk)
    assert entry.status == "active" and entry.acknowledged_at
    assert policy.decide(agent_actor, entry.beneficiary_id, purpose="crisis_plan").allowed


def test_third_party_request_names_the_third_party(register_one):
    with pytest.raises(CrisisError) as error:
        register_one(requested_by="third_party")
    assert error.value.errors[0]["field"] == "third_party.name"
    assert not Registration.objects.exists()


def test_objection_to_a_pending_request_ends_it(register_one, agent_actor):
    entry = register_one(requested_by="third_party", third_party={"name": "Voisine"})
    entry = register.end_registration(
        actor=agent_actor, registration_id=entry.pk, reason="objection"
    )
    assert entry.status == "objected" and entry.person == {}


def test_removal_ends_the_entry_and_its_basis(register_one, agent_actor):
    entry = register_one(emergency_contact={"name": "Paul", "phone": "0611111111"})
    entry = register.end_registration(actor=agent_actor, registration_id=entry.pk)
    assert entry.status == "removed" and entry.end_reason == "request" and entry.ended_at
    assert Grant.objects.get(pk=entry.grant_id).withdrawn_at is not None
    assert Grant.objects.get(pk=entry.intervention_grant_id).withdrawn_at is not None
    assert entry.person == {} and entry.contact_phone == "" and entry.contact_name == ""
    assert not policy.decide(agent_actor, entry.beneficiary_id, purpose="crisis_plan").allowed
    assert (
        disclosure.disclose(actor=agent_actor, registrations=[entry], purpose="crisis_plan") == []
    )
    # The register never closes: the trace of the entry stays.
    assert Registration.objects.filter(pk=entry.pk, status="removed").exists()


def test_the_register_holds_no_health_field():
    words = ("health", "sante", "santé", "medical", "diagnos", "treatment", "traitement", "pathol")
    for model in apps.get_app_config("crisis").get_models():
        for field in model._meta.get_fields():
            name = f"{field.name} {getattr(field, 'verbose_name', '')}".lower()
            assert not any(word in name for word in words), (model.__name__, field.name)


def test_the_register_refuses_the_nir_and_unknown_categories(register_one):
    with pytest.raises(CrisisError) as error:
        register_one(person=person_body(nir="255081416802538"), category="illness")
    fields = {e["field"] for e in error.value.errors}
    assert {"person.nir", "category"} <= fields
    assert not Registration.objects.exists()


def test_registration_links_to_the_golden_record_without_widening_what_partners_see(
    association, agent_actor
):
    # The association holds its own record of the person, with another phone number.
    api = association.api()
    body = record_payload(
        birth_name="Lefèvre",
        first_names="Odette",
        birth_date="1938-05-04",
        phone="0699999999",
        address={"line": "12 rue Paul Bert", "postcode": "69100", "city": "Villeurbanne"},
    )
    response = api.put("/api/v1/records/S-1", body, format="json")
    assert response.status_code == 201, response.content
    golden_id = response.json()["beneficiary"]
    before = Beneficiary.objects.get(pk=golden_id)
    records_before = PartnerRecord.objects.count()
    entry = register.register_person(
        actor=agent_actor, person=person_body(), category="age_65", requested_by="self"
    )
    assert str(entry.beneficiary_id) == golden_id
    assert PartnerRecord.objects.count() == records_before  # no partner record written
    after = Beneficiary.objects.get(pk=golden_id)
    assert after.phone == before.phone == "0699999999"  # the register's phone stays in crisis
    association_actor = Actor(
        organization_id=association.organization.pk,
        organization_ids=(association.organization.pk,),
    )
    # The association sees what it saw (its own record), and nothing of the register.
    assert (
        disclosure.disclose(actor=association_actor, registrations=[entry], purpose="crisis_plan")
        == []
    )
    # The commune sees nothing of the association's record for any other purpose.
    for purpose in ("", "coordination", "food_aid"):
        assert not policy.decide(agent_actor, golden_id, purpose=purpose).allowed


def test_the_same_person_is_registered_once(register_one):
    register_one()
    with pytest.raises(CrisisError) as error:
        register_one(person=person_body(sex="F", phone="0478000000"))
    assert error.value.status == 409


def test_intervention_group_sees_the_register_only_while_a_plan_is_open(
    register_one, agent_actor, prefecture
):
    entry = register_one()
    from crisis.grants import intervention_group

    group = intervention_group(entry.organization)
    group.members.add(prefecture.organization)
    prefect = Actor(
        organization_id=prefecture.organization.pk, organization_ids=(prefecture.organization.pk,)
    )
    assert not policy.decide(prefect, entry.beneficiary_id, purpose="crisis_plan").allowed
    activation = plans.activate(
        actor=agent_actor, plan="heatwave", level="alert", reason="Canicule"
    )
    assert policy.decide(prefect, entry.beneficiary_id, purpose="crisis_plan").allowed
    assert not policy.decide(prefect, entry.beneficiary_id, purpose="").allowed
    plans.close(actor=agent_actor, activation_id=activation.pk, reason="Fin de l'épisode")
    assert not policy.decide(prefect, entry.beneficiary_id, purpose="crisis_plan").allowed
