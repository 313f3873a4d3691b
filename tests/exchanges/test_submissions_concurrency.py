"""On PostgreSQL, at the same instant: a withdrawal link works once, a submission is confirmed
once, whatever the number of simultaneous clicks."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connections

from consent.models import AccessLog, Grant
from exchanges import submission_queue
from exchanges.models import PortalSubmission
from exchanges.submissions import SubmissionError, submit_help_request, withdraw
from hub.registry.actors import Actor
from hub.registry.models import PartnerRecord
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLICKS = 8
PERSON = {"birth_name": "Ollivier", "first_names": "Rose", "birth_date": "1990-06-06"}


def _submit(organization):
    return submit_help_request(
        organization_id=organization.pk,
        person=PERSON,
        need="food_aid",
        situation="",
        contact={},
        availability="",
        purposes=["food_aid"],
        client_ip="",
    )


def _all_at_once(work) -> list:
    start = threading.Barrier(CLICKS)
    answers, guard = [], threading.Lock()

    def run():
        try:
            start.wait()
            answer = work()
        except Exception as exc:  # noqa: BLE001 (collected and asserted on)
            answer = exc
        finally:
            connections.close_all()
        with guard:
            answers.append(answer)

    threads = [threading.Thread(target=run) for _ in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_simultaneous_clicks_on_one_link_withdraw_once(partner_a):
    receipt = _submit(partner_a.organization)
    token = re.match(r"^/citoyen/retrait/([^/]+)/$", receipt.withdrawal_links[0][1])[1]
    answers = _all_at_once(lambda: withdraw(token))
    assert sorted(a.ok for a in answers) == [False] * (CLICKS - 1) + [True]
    assert AccessLog.objects.filter(resource="portal_consent").count() == 1


def test_simultaneous_confirmations_create_one_record(partner_a):
    _submit(partner_a.organization)
    submission = PortalSubmission.objects.get()
    user = UserFactory()
    user.save()
    MembershipFactory(organization=partner_a.organization, user=user, role="agent")
    actor = Actor.for_user(user)
    answers = _all_at_once(
        lambda: submission_queue.confirm_help(actor=actor, submission_id=submission.pk)
    )
    assert sum(isinstance(a, PortalSubmission) for a in answers) == 1
    assert all(isinstance(a, PortalSubmission | SubmissionError) for a in answers)
    assert PartnerRecord.objects.count() == 1 and Grant.objects.count() == 1
