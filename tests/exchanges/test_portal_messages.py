"""The messages a citizen receives after a portal submission: the receipt (e-mail, or SMS when
only a phone was given), nothing when the submission rolls back, and a neutral word when a worker
rejects the request."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from exchanges import submission_queue
from exchanges.models import PortalSubmission
from hub.registry.actors import Actor
from tests.exchanges.test_submissions import request, worker

pytestmark = pytest.mark.django_db


def test_receipt_mail_in_french_with_reference_and_links(
    partner_a, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_BASE_URL = "https://passerelle.example.fr"
    with django_capture_on_commit_callbacks(execute=True):
        receipt = request(partner_a.organization)
    assert receipt.notified_by == "email"
    message = mail.outbox[-1]
    assert message.to == ["solange.d@example.org"]
    assert receipt.reference in message.subject and receipt.reference in message.body
    assert "Ce qui va se passer" in message.body
    for _label, path in receipt.withdrawal_links:
        assert f"https://passerelle.example.fr{path}" in message.body
    assert "Dautremer" not in message.body  # no identity in the message itself


def test_a_person_who_left_only_a_phone_gets_the_receipt_by_sms(
    partner_a, settings, django_capture_on_commit_callbacks
):
    from hub import sms

    settings.CRISIS_SMS_BACKEND = "hub.sms.LocmemBackend"
    settings.PORTAL_BASE_URL = "https://passerelle.example.fr"
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        receipt = request(partner_a.organization, contact={"phone": "0655443322"})
    assert receipt.notified_by == "sms" and mail.outbox == []
    [(to, text)] = sms.outbox
    assert to == "0655443322"
    assert receipt.reference in text and partner_a.organization.name in text
    for _label, path in receipt.withdrawal_links:
        assert f"https://passerelle.example.fr{path}" in text
    assert "Dautremer" not in text and "Solange" not in text


def test_a_submission_rolled_back_sends_no_mail(partner_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        request(partner_a.organization)
        transaction.set_rollback(True)
    assert mail.outbox == [] and not PortalSubmission.objects.exists()


def test_a_rejected_person_is_told_without_the_reason(
    partner_a, settings, django_capture_on_commit_callbacks
):
    from hub import sms

    settings.CRISIS_SMS_BACKEND = "hub.sms.LocmemBackend"
    sms.outbox.clear()
    request(partner_a.organization)
    submission = PortalSubmission.objects.get()
    actor = Actor.for_user(worker(partner_a.organization))
    with django_capture_on_commit_callbacks(execute=True):
        submission_queue.reject(
            actor=actor, submission_id=submission.pk, kind="help", reason="Dossier connu, fraude"
        )
    message = mail.outbox[-1]
    assert message.to == ["solange.d@example.org"]
    assert submission.reference in message.subject and "n'a pas pu être retenue" in message.body
    assert partner_a.organization.name in message.body
    assert "fraude" not in message.body and "Dautremer" not in message.body
    assert sms.outbox == []
    # Only a phone: a short SMS, also without the reason.
    request(partner_a.organization, contact={"phone": "0655443322"})
    phone_only = PortalSubmission.objects.get(status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        submission_queue.reject(
            actor=actor, submission_id=phone_only.pk, kind="help", reason="Hors secteur"
        )
    [(to, text)] = sms.outbox
    assert to == "0655443322" and phone_only.reference in text and "secteur" not in text
