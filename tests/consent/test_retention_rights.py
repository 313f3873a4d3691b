"""Retention runs, erasure with legal hold, subject access, signed checkpoints by Celery."""

import datetime as dt

import pytest
from django.utils import timezone

from consent.integrity import verify_chains
from consent.models import AccessLog, ChainCheckpoint, Grant, LegalHold, RetentionRun
from consent.retention import run_retention
from consent.rights import LegalHoldActive, anonymise_beneficiary, subject_access_export
from consent.tasks import checkpoint_chains
from consent.tasks import run_retention as run_retention_task
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, PartnerRecord
from tests.consent.tamper import attacker

pytestmark = pytest.mark.django_db

SYSTEM = Actor(organization_id=None, organization_ids=())


def age_person(person_id, days):
    Beneficiary.objects.filter(pk=person_id).update(
        last_contact_at=timezone.now() - dt.timedelta(days=days)
    )


def test_retention_reports_first_and_touches_nothing_when_not_enforced(person, settings):
    settings.RETENTION_ENFORCE = False
    age_person(person, 800)
    run = run_retention_task.delay().get()
    report = RetentionRun.objects.get(pk=run).report
    assert report["active_data"]["to_anonymise"] == 1
    assert report["active_data"]["ids"] == [person]
    assert Beneficiary.objects.get(pk=person).status == "active"


def test_enforced_retention_anonymises_old_persons_but_not_those_under_legal_hold(
    person, api_a, partner_b, grant_consent
):
    from tests.factories import record_payload

    held = api_a.put("/api/v1/records/A-2", record_payload(birth_name="Zola"), format="json")
    held = held.json()["beneficiary"]
    recent = api_a.put("/api/v1/records/A-3", record_payload(birth_name="Hugo"), format="json")
    recent = recent.json()["beneficiary"]
    grant_consent(person, partner_b.organization)
    age_person(person, 800)
    age_person(held, 800)
    age_person(recent, 10)
    LegalHold.objects.create(beneficiary_id=held, reason="Réquisition judiciaire")
    run = run_retention(enforce=True)
    assert run.kind == "purge"
    assert RetentionRun.objects.filter(kind="dry_run").count() == 1
    erased = Beneficiary.objects.get(pk=person)
    assert (erased.status, erased.birth_name, erased.phone) == ("anonymised", "", "")
    assert PartnerRecord.objects.get(beneficiary_id=person).payload == {}
    assert Grant.objects.get(beneficiary_id=person).status == "withdrawn"
    assert Beneficiary.objects.get(pk=held).birth_name == "Zola"
    assert Beneficiary.objects.get(pk=recent).birth_name == "Hugo"
    assert AccessLog.objects.filter(action="erase", beneficiary_id=person).exists()
    assert AccessLog.objects.filter(action="purge").exists()
    assert verify_chains() == []
    # The anonymised person is gone for everyone, owner included.
    assert api_a.get(f"/api/v1/beneficiaries/{person}").status_code == 404


def test_erasure_is_refused_under_legal_hold(person):
    LegalHold.objects.create(beneficiary_id=person, reason="Contentieux")
    with pytest.raises(LegalHoldActive):
        anonymise_beneficiary(actor=SYSTEM, beneficiary_id=person, reason="demande")
    assert Beneficiary.objects.get(pk=person).status == "active"


def test_access_log_purge_keeps_the_rest_of_the_chain_verifiable(person, api_a):
    for _ in range(3):
        api_a.get(f"/api/v1/beneficiaries/{person}")
    checkpoint_chains.delay().get()
    rows = list(AccessLog.objects.order_by("seq"))
    boundary = rows[2]
    api_a.get(f"/api/v1/beneficiaries/{person}")  # not sealed yet on PostgreSQL
    # Run "later": the retention cutoff falls just after the third row.
    later = boundary.at + dt.timedelta(days=365, microseconds=1)
    run = run_retention(enforce=True, now=later)
    assert run.report["access_log"]["through_id"] == boundary.seq == 3
    assert run.report["access_log_purged"] == 3
    assert AccessLog.objects.order_by("id").first().id == boundary.id + 1
    assert verify_chains() == []
    # Deleting the row right after the anchor is still detected.
    with attacker("consent_accesslog") as cursor:
        cursor.execute("DELETE FROM consent_accesslog WHERE id = %s", [boundary.id + 1])
    assert verify_chains()[0].row_id == boundary.id + 2


def test_subject_access_export_holds_data_records_grants_and_accesses(
    person, api_b, partner_b, grant_consent
):
    grant_consent(person, partner_b.organization)
    api_b.get(f"/api/v1/beneficiaries/{person}")
    export = subject_access_export(person)
    assert export["beneficiary"]["identity"]["birth_name"] == "Martin"
    assert export["partner_records"][0]["external_id"] == "A-1"
    assert export["grants"][0]["grantee"] == partner_b.organization.name
    assert any(
        access["organization"] == partner_b.organization.name and access["decision"] == "allow"
        for access in export["accesses"]
    )


def test_checkpoint_task_signs_both_chains_and_is_safe_to_run_twice(person):
    checkpoint_chains.delay().get()
    checkpoint_chains.delay().get()
    assert ChainCheckpoint.objects.count() == 4
    assert verify_chains() == []


def test_a_legal_obligation_to_keep_the_data_outlives_the_retention_delay(
    person, api_a, partner_b, grant_consent
):
    """The crisis register (CASF L121-6-1) rests on a legal obligation: its persons are kept
    until they leave the register, however old their last contact."""
    grant = grant_consent(
        person,
        partner_b.organization,
        basis="legal_obligation",
        purposes=["crisis_plan"],
        legal_reference="CASF L121-6-1",
    )
    age_person(person, 800)
    report = run_retention(enforce=False).report["active_data"]
    assert (report["to_anonymise"], report["kept_under_legal_obligation"]) == (0, 1)
    run_retention(enforce=True)
    assert Beneficiary.objects.get(pk=person).status == "active"
    withdrawn = api_a.post(
        f"/api/v1/grants/{grant['id']}/withdraw", {"reason": "sortie du registre"}, format="json"
    )
    assert withdrawn.status_code == 200, withdrawn.content
    run_retention(enforce=True)
    assert Beneficiary.objects.get(pk=person).status == "anonymised"
