"""The citizen portal's help requests: submit, confirm, link, reject, withdraw by link.

Nothing a citizen submits reaches the registry before a worker of the chosen organization
confirms it; every step leaves its access-log row; withdrawal links work once and expire.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from consent.models import AccessLog, Grant, GrantEvent, PortalConsent
from exchanges import submission_queue
from exchanges.models import Case, PortalSubmission
from exchanges.records import submit_record
from exchanges.submissions import (
    SubmissionError,
    portal_purposes,
    submit_help_request,
    withdraw,
)
from hub.outbox.models import Event
from hub.registry.actors import Actor
from hub.registry.models import Beneficiary, PartnerRecord, ReviewItem
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PERSON = {
    "birth_name": "Dautremer",
    "first_names": "Solange",
    "birth_date": "1979-11-02",
    "sex": "F",
    "phone": "0655443322",
    "address": {"line": "8 rue Racine", "postcode": "69100", "city": "Villeurbanne"},
}


def request(organization, **overrides):
    kwargs = {
        "organization_id": str(organization.pk),
        "person": dict(PERSON),
        "need": "food_aid",
        "situation": "Je viens de perdre mon emploi et j'ai deux enfants.",
        "contact": {"email": "solange.d@example.org", "phone": "0655443322"},
        "availability": "Le matin, sauf le mercredi",
        "purposes": ["coordination", "food_aid"],
        "client_ip": "203.0.113.7",
    }
    kwargs.update(overrides)
    return submit_help_request(**kwargs)


def worker(organization, role="agent"):
    user = UserFactory()
    user.save()
    MembershipFactory(organization=organization, user=user, role=role)
    return user


def token_of(receipt, index=0) -> str:
    return re.match(r"^/citoyen/retrait/([^/]+)/$", receipt.withdrawal_links[index][1])[1]


def counts():
    return (
        PartnerRecord.objects.count(),
        Beneficiary.objects.count(),
        ReviewItem.objects.count(),
        Grant.objects.count(),
    )


def test_submit_writes_nothing_in_the_registry(partner_a):
    submit_record(
        actor=Actor.for_client(partner_a.onboarded.client),
        external_id="D-1",
        payload=dict(PERSON),
    )
    before = counts()
    receipt = request(partner_a.organization)
    assert counts() == before
    submission = PortalSubmission.objects.get()
    assert submission.status == "pending" and submission.beneficiary_id is None
    assert re.fullmatch(r"PAS-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", receipt.reference)
    assert submission.reference == receipt.reference
    assert submission.client_ip_hash and "203.0.113.7" not in submission.client_ip_hash
    assert [label for label, _path in receipt.withdrawal_links] == [
        "Coordination de l'accompagnement",
        "Aide alimentaire",
    ]
    row = AccessLog.objects.get(resource="portal_submission")
    assert row.action == "receive" and row.organization_id == partner_a.organization.pk
    assert Event.objects.filter(type="portal.submission_received").count() == 1


def test_consent_evidence_is_kept_and_the_token_only_hashed(partner_a):
    receipt = request(partner_a.organization)
    consents = PortalConsent.objects.order_by("purpose")
    assert [c.purpose for c in consents] == ["coordination", "food_aid"]
    token = token_of(receipt)
    for consent in consents:
        assert consent.channel == "portail citoyen" and consent.notice_version
        assert len(consent.notice_hash) == 64 and "retirer" in consent.notice_text
        assert token not in consent.token_hash
        expected = consent.given_at + dt.timedelta(days=365)
        assert abs((consent.token_expires_at - expected).total_seconds()) < 1
    assert not PortalConsent.objects.filter(token_hash__contains=token[:12]).exists()


def test_bad_input_names_each_field_in_french_and_writes_nothing(partner_a):
    with pytest.raises(SubmissionError) as caught:
        request(
            partner_a.organization,
            person={"first_names": "Solange", "birth_date": "2999-01-01", "nir": "1"},
            need="spaceship",
            contact={"email": "pas-une-adresse"},
            purposes=["crisis_plan"],
        )
    fields = {e["field"]: e["message"] for e in caught.value.errors}
    assert fields["person.birth_name"] == "Indiquez le nom de naissance."
    assert "date" in fields["person.birth_date"]
    assert "person.nir" in fields and "need" in fields and "contact.email" in fields
    assert "purposes[0]" in fields
    assert not PortalSubmission.objects.exists() and not PortalConsent.objects.exists()
    assert not AccessLog.objects.exists()


def test_an_unknown_organization_is_a_field_error(db):
    with pytest.raises(SubmissionError) as caught:
        submit_help_request(
            organization_id="pas-un-identifiant",
            person=dict(PERSON),
            need="food_aid",
            situation="",
            contact={},
            availability="",
            purposes=[],
            client_ip="",
        )
    assert [e["field"] for e in caught.value.errors] == ["organization_id"]


def test_portal_purposes_carry_plain_french_notices():
    help_codes = [code for code, _label, _notice in portal_purposes("help")]
    assert help_codes == ["coordination", "food_aid", "housing"]
    [(code, label, notice)] = portal_purposes("crisis")
    assert code == "crisis_plan" and "L121-6-1" in notice and "radiation" in notice
    for _code, _label, notice in portal_purposes("help"):
        assert "Qui reçoit quoi" in notice and "un an" in notice and "retirer" in notice


def test_confirm_as_new_person_creates_the_record_grants_and_case(partner_a):
    request(partner_a.organization)
    submission = PortalSubmission.objects.get()
    user = worker(partner_a.organization)
    actor = Actor.for_user(user)
    done = submission_queue.confirm_help(
        actor=actor, submission_id=submission.pk, open_case=True, user=user
    )
    assert done.status == "confirmed" and done.handled_by_id == user.pk
    record = PartnerRecord.objects.get()
    assert record.organization_id == partner_a.organization.pk
    assert record.external_id == f"portail-{submission.reference}"
    grants = Grant.objects.filter(beneficiary_id=record.beneficiary_id).order_by("purposes")
    assert [g.purposes for g in grants] == [["coordination"], ["food_aid"]]
    assert {g.evidence_method for g in grants} == {"electronic"}
    assert all(submission.reference in g.collected_by_name for g in grants)
    assert grants.get(purposes=["food_aid"]).grantee_kind == "association"
    assert Case.objects.get().type == "food_aid"
    assert AccessLog.objects.filter(resource="portal_submission", action="confirm").exists()
    assert Event.objects.filter(type="portal.submission_confirmed").exists()


def test_link_to_a_candidate_the_worker_may_identify(partner_a):
    own = submit_record(
        actor=Actor.for_client(partner_a.onboarded.client),
        external_id="D-2",
        payload={**PERSON, "phone": "", "address": {"postcode": "69100"}},
    )
    known = own.record.beneficiary_id
    request(partner_a.organization, person={**PERSON, "first_names": "Solange Marie"})
    submission = PortalSubmission.objects.get()
    user = worker(partner_a.organization)
    actor = Actor.for_user(user)
    found = submission_queue.candidates(actor, submission)
    assert [c.beneficiary_id for c, _view in found] == [known]
    done = submission_queue.confirm_help(
        actor=actor, submission_id=submission.pk, beneficiary_id=known, user=user
    )
    assert done.status == "linked" and done.beneficiary_id == known
    record = PartnerRecord.objects.get(external_id=f"portail-{submission.reference}")
    root = record.beneficiary
    assert root.pk == known or root.merged_into_id == known


def test_candidates_only_among_persons_the_worker_may_identify(partner_a, partner_b):
    submit_record(
        actor=Actor.for_client(partner_b.onboarded.client), external_id="B-1", payload=PERSON
    )
    request(partner_a.organization)
    submission = PortalSubmission.objects.get()
    actor = Actor.for_user(worker(partner_a.organization))
    assert submission_queue.candidates(actor, submission) == []
    other = PartnerRecord.objects.get().beneficiary_id
    with pytest.raises(SubmissionError) as caught:
        submission_queue.confirm_help(
            actor=actor, submission_id=submission.pk, beneficiary_id=other
        )
    assert caught.value.errors[0]["field"] == "beneficiary"
    assert PortalSubmission.objects.get().status == "pending"
    assert PartnerRecord.objects.count() == 1


def test_a_worker_of_another_organization_cannot_handle_it(partner_a, partner_b):
    request(partner_a.organization)
    submission = PortalSubmission.objects.get()
    stranger = Actor.for_user(worker(partner_b.organization))
    with pytest.raises(submission_queue.NotFound):
        submission_queue.confirm_help(actor=stranger, submission_id=submission.pk)
    with pytest.raises(submission_queue.NotFound):
        submission_queue.reject(
            actor=stranger, submission_id=submission.pk, kind="help", reason="Hors secteur"
        )
    dpo = Actor.for_user(worker(partner_a.organization, role="dpo"))
    with pytest.raises(submission_queue.NotFound):
        submission_queue.confirm_help(actor=dpo, submission_id=submission.pk)
    assert PortalSubmission.objects.get().status == "pending"


def test_reject_needs_a_reason_and_erases_what_was_typed(partner_a):
    receipt = request(partner_a.organization)
    submission = PortalSubmission.objects.get()
    actor = Actor.for_user(worker(partner_a.organization))
    with pytest.raises(SubmissionError):
        submission_queue.reject(actor=actor, submission_id=submission.pk, kind="help", reason=" ")
    submission_queue.reject(
        actor=actor, submission_id=submission.pk, kind="help", reason="Hors de notre secteur"
    )
    submission.refresh_from_db()
    assert submission.status == "rejected" and submission.person == {}
    assert "Hors de notre secteur" in submission.outcome
    assert AccessLog.objects.filter(resource="portal_submission", action="reject").exists()
    assert not PartnerRecord.objects.exists()
    assert withdraw(token_of(receipt)).ok is False  # voided with the rejection


def test_withdrawal_before_confirmation_means_no_grant(partner_a):
    receipt = request(partner_a.organization)
    outcome = withdraw(token_of(receipt, 1))
    assert outcome.ok and outcome.purpose_label == "Aide alimentaire"
    submission = PortalSubmission.objects.get()
    user = worker(partner_a.organization)
    submission_queue.confirm_help(actor=Actor.for_user(user), submission_id=submission.pk)
    assert [g.purposes for g in Grant.objects.all()] == [["coordination"]]
    row = AccessLog.objects.get(resource="portal_consent")
    assert row.action == "withdraw" and row.purpose == "food_aid"


def test_withdrawal_after_confirmation_withdraws_the_grant_and_tells_both(partner_a):
    receipt = request(partner_a.organization)
    submission = PortalSubmission.objects.get()
    submission_queue.confirm_help(
        actor=Actor.for_user(worker(partner_a.organization)), submission_id=submission.pk
    )
    grant = Grant.objects.get(purposes=["food_aid"])
    assert withdraw(token_of(receipt, 1)).ok
    grant.refresh_from_db()
    assert grant.withdrawn_at is not None and "portail citoyen" in grant.withdrawal_reason
    assert GrantEvent.objects.filter(grant=grant, kind="withdrawn").exists()
    assert Event.objects.filter(type="grant.withdrawn", subject_id=str(grant.pk)).exists()
    assert Event.objects.filter(type="portal.consent_withdrawn").exists()
    assert Grant.objects.get(purposes=["coordination"]).withdrawn_at is None


def test_a_token_works_once_and_answers_alike_when_used_unknown_or_expired(partner_a):
    receipt = request(partner_a.organization)
    first, second = token_of(receipt, 0), token_of(receipt, 1)
    assert withdraw(first).ok
    used = withdraw(first)
    unknown = withdraw("x" * 43)
    PortalConsent.objects.filter(purpose="food_aid").update(
        token_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = withdraw(second)
    assert used == unknown == expired
    assert used.ok is False and used.purpose_label == ""
    assert PortalConsent.objects.get(purpose="food_aid").withdrawn_at is None
    assert AccessLog.objects.filter(resource="portal_consent").count() == 1


def test_a_silent_link_to_a_person_known_elsewhere_reads_as_a_new_person(partner_a, partner_b):
    other = submit_record(
        actor=Actor.for_client(partner_b.onboarded.client), external_id="B-2", payload=PERSON
    ).record.beneficiary_id
    request(partner_a.organization)
    submission = PortalSubmission.objects.get()
    actor = Actor.for_user(worker(partner_a.organization))
    done = submission_queue.confirm_help(actor=actor, submission_id=submission.pk)
    # The engine linked the record to the golden record (as for the API), but the worker is
    # told a new person: nothing says another partner knows them.
    assert PartnerRecord.objects.get(organization=partner_a.organization).beneficiary_id == other
    assert done.status == "confirmed" and "connue" not in done.outcome


def test_a_submission_nobody_handled_in_time_is_closed_and_erased(
    partner_a, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_PENDING_DAYS = 90
    request(partner_a.organization)
    request(partner_a.organization, person={**PERSON, "first_names": "Berthe"})
    old, recent = PortalSubmission.objects.order_by("created_at")
    PortalSubmission.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=91)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert submission_queue.close_stale() == 1
    [told] = mail.outbox  # the person is told, once
    assert old.reference in told.subject and "est close" in told.subject
    assert "n'a pas été traitée" in told.body and "délai de conservation" in told.body
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == "rejected" and old.person == {} and "90 jours" in old.outcome
    assert recent.status == "pending" and recent.person["first_names"] == "Berthe"
    assert AccessLog.objects.filter(resource="portal_submission", action="erase").count() == 1
    assert submission_queue.close_stale() == 0  # safe to run twice
