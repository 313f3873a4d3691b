"""Registrations asked on the citizen portal: filed for an agent, never an entry by themselves."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from consent.models import AccessLog, Grant, PortalConsent
from crisis import portal_intake
from crisis.errors import CrisisError
from crisis.models import Registration
from exchanges import submission_queue
from exchanges.models import PortalSubmission
from exchanges.submissions import SubmissionError, withdraw
from hub import sms
from hub.outbox.models import Event
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, PartnerRecord, ReviewItem
from tests.crisis.conftest import person_body

pytestmark = pytest.mark.django_db

INSEE = "69266"


@pytest.fixture
def holder(commune):
    org = commune.organization
    org.insee_codes = [INSEE]
    org.save()
    return org


@pytest.fixture(autouse=True)
def _sms_in_memory(settings):
    settings.CRISIS_SMS_BACKEND = "hub.sms.LocmemBackend"
    sms.outbox.clear()


def ask(**overrides):
    kwargs = {
        "commune_insee": INSEE,
        "person": person_body(email="odette@example.org"),
        "category": "age_65",
        "requested_by": "self",
        "requester": None,
        "lives_alone": True,
        "emergency_contact": {"name": "Marc Lefèvre", "phone": "0611111111", "relation": "fils"},
        "purposes": ["crisis_plan"],
        "client_ip": "198.51.100.4",
    }
    kwargs.update(overrides)
    return portal_intake.submit_registration(**kwargs)


def token_of(receipt) -> str:
    [(_label, path)] = receipt.withdrawal_links
    return re.match(r"^/citoyen/retrait/([^/]+)/$", path)[1]


def test_submit_files_a_request_and_leaves_the_register_unchanged(
    holder, django_capture_on_commit_callbacks
):
    before = (
        Registration.objects.count(),
        Beneficiary.objects.count(),
        PartnerRecord.objects.count(),
        ReviewItem.objects.count(),
        Grant.objects.count(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        receipt = ask()
    assert before == (
        Registration.objects.count(),
        Beneficiary.objects.count(),
        PartnerRecord.objects.count(),
        ReviewItem.objects.count(),
        Grant.objects.count(),
    )
    submission = PortalSubmission.objects.get()
    assert submission.kind == "crisis_registration" and submission.organization == holder
    assert receipt.withdrawal_links[0][0] == "Plan d'alerte et d'urgence (crise, canicule)"
    assert receipt.notified_by == "email" and receipt.reference in mail.outbox[-1].body
    assert AccessLog.objects.filter(resource="portal_submission", action="receive").exists()


def test_the_holder_is_the_one_with_a_register_agent_else_the_ccas(holder, db):
    from tests.conftest import Partner
    from tests.factories import MembershipFactory

    ccas = Partner("CCAS de Villeurbanne", kind="ccas").organization
    ccas.insee_codes = [INSEE]
    ccas.save()
    assert portal_intake.register_holder(INSEE) == ccas
    MembershipFactory(organization=holder, role="crisis_agent")
    assert portal_intake.register_holder(INSEE) == holder
    ask()
    assert PortalSubmission.objects.get().organization == holder


def test_only_a_phone_gives_an_sms_receipt(holder, django_capture_on_commit_callbacks):
    person = person_body()
    with django_capture_on_commit_callbacks(execute=True):
        receipt = ask(person=person)
    assert receipt.notified_by == "sms"
    [(to, text)] = sms.outbox
    assert to == person["phone"] and receipt.reference in text


def test_french_errors_name_each_field_and_nothing_is_written(holder):
    with pytest.raises(SubmissionError) as caught:
        ask(
            commune_insee="99999",
            person={"birth_name": "Lefèvre", "birth_date": "1938-05-04"},
            category="age_12",
            requested_by="transmitted",
            emergency_contact={"name": "Marc"},
            purposes=[],
        )
    fields = {e["field"]: e["message"] for e in caught.value.errors}
    assert set(fields) >= {
        "commune_insee",
        "person.first_names",
        "category",
        "requested_by",
        "emergency_contact.phone",
        "purposes",
    }
    assert fields["person.first_names"] == "Indiquez le ou les prénoms."
    assert not PortalSubmission.objects.exists() and not PortalConsent.objects.exists()


def test_a_third_party_names_themself(holder):
    with pytest.raises(SubmissionError) as caught:
        ask(requested_by="third_party", requester={"email": "voisin@example.org"})
    assert [e["field"] for e in caught.value.errors] == ["requester.name"]


def test_confirm_self_request_enters_the_register_active(holder, agent):
    ask()
    submission = PortalSubmission.objects.get()
    registration = portal_intake.confirm_registration(
        actor=Actor.for_user(agent), submission_id=submission.pk
    )
    assert registration.status == "active" and registration.requested_by == "self"
    assert registration.contact_phone == "0611111111" and registration.grant_id
    submission.refresh_from_db()
    assert submission.status == "confirmed" and submission.registration_id == registration.pk
    consent = PortalConsent.objects.get()
    assert consent.grant_id == registration.grant_id
    assert not PartnerRecord.objects.exists()  # the register writes no partner record
    assert Event.objects.filter(type="portal.submission_confirmed").exists()


def test_third_party_request_waits_for_acknowledgment(holder, agent):
    ask(
        requested_by="third_party",
        requester={"name": "Paul Voisin", "phone": "0622222222", "relation": "voisin"},
    )
    submission = PortalSubmission.objects.get()
    registration = portal_intake.confirm_registration(
        actor=Actor.for_user(agent), submission_id=submission.pk
    )
    assert registration.status == "pending" and registration.third_party_name == "Paul Voisin"
    assert registration.grant_id is None and registration.acknowledgment_due


def test_a_social_worker_of_the_commune_may_not_confirm_a_registration(holder, commune):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory()
    user.save()
    MembershipFactory(organization=commune.organization, user=user, role="agent")
    ask()
    submission = PortalSubmission.objects.get()
    with pytest.raises(submission_queue.NotFound):
        portal_intake.confirm_registration(actor=Actor.for_user(user), submission_id=submission.pk)
    assert not Registration.objects.exists()


def test_an_already_registered_person_is_refused_and_nothing_written(holder, agent, register_one):
    register_one()
    ask()
    submission = PortalSubmission.objects.get()
    with pytest.raises(CrisisError):
        portal_intake.confirm_registration(actor=Actor.for_user(agent), submission_id=submission.pk)
    assert Registration.objects.count() == 1
    assert PortalSubmission.objects.get().status == "pending"


def test_withdrawal_before_confirmation_erases_the_request(holder, agent):
    receipt = ask()
    assert withdraw(token_of(receipt)).ok
    submission = PortalSubmission.objects.get()
    assert submission.status == "rejected" and submission.person == {}
    with pytest.raises(SubmissionError):
        portal_intake.confirm_registration(actor=Actor.for_user(agent), submission_id=submission.pk)
    assert not Registration.objects.exists()


def test_withdrawal_after_confirmation_ends_the_entry(holder, agent):
    receipt = ask()
    submission = PortalSubmission.objects.get()
    registration = portal_intake.confirm_registration(
        actor=Actor.for_user(agent), submission_id=submission.pk
    )
    assert withdraw(token_of(receipt)).ok
    registration.refresh_from_db()
    assert registration.status == "removed" and registration.end_reason == "request"
    assert registration.person == {}
    assert Grant.objects.get(pk=registration.grant_id).withdrawn_at is not None
    assert Event.objects.filter(type="crisis.removed").exists()
    assert withdraw(token_of(receipt)).ok is False
