from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import override_settings
from django.utils import timezone

from exchanges import referrals
from exchanges.models import Case, Referral
from hub.outbox.models import Event
from tests.exchanges.conftest import also_known_by, consent_for, person
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def send(partner_from, partner_to, beneficiary, **extra):
    body = {
        "beneficiary": beneficiary,
        "receiver": str(partner_to.organization.pk),
        "case_type": "emergency_shelter",
        "message": "Sans solution ce soir",
        **extra,
    }
    return partner_from.api().post("/api/v1/referrals", body, format="json")


@pytest.fixture
def shared_person(partner_a, partner_b):
    beneficiary = person(partner_a)
    also_known_by(partner_b, beneficiary)
    return beneficiary


def test_referral_goes_sent_accepted_completed_and_acceptance_opens_a_case(
    partner_a, partner_b, shared_person
):
    sent = send(partner_a, partner_b, shared_person)
    assert sent.status_code == 201, sent.content
    referral = sent.json()
    assert referral["status"] == "sent"
    received = partner_b.api().get("/api/v1/referrals?direction=received").json()["results"]
    assert [r["id"] for r in received] == [referral["id"]]

    accepted = partner_b.api().post(
        f"/api/v1/referrals/{referral['id']}/accept", {"comment": "RDV lundi"}, format="json"
    )
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert body["status"] == "accepted"
    assert body["answered_at"]
    case = Case.objects.get(pk=body["case"])
    assert case.organization == partner_b.organization
    assert case.type == "emergency_shelter"

    done = partner_b.api().post(f"/api/v1/referrals/{referral['id']}/complete")
    assert done.status_code == 200
    history = partner_a.api().get(f"/api/v1/referrals/{referral['id']}").json()["history"]
    assert [step["status"] for step in history] == ["sent", "accepted", "completed"]
    assert history[1]["comment"] == "RDV lundi"
    types = list(Event.objects.filter(subject_id=referral["id"]).values_list("type", flat=True))
    assert types == ["referral.sent", "referral.accepted", "referral.completed"]


def test_decline_needs_a_reason_from_the_list(partner_a, partner_b, shared_person):
    referral = send(partner_a, partner_b, shared_person).json()
    url = f"/api/v1/referrals/{referral['id']}/decline"
    missing = partner_b.api().post(url, {"comment": "complet"}, format="json")
    assert missing.status_code in (400, 422)
    assert missing.json()["errors"][0]["field"] == "reason"
    other = partner_b.api().post(url, {"reason": "other"}, format="json")
    assert other.status_code in (400, 422)
    assert other.json()["errors"][0]["field"] == "comment"
    ok = partner_b.api().post(
        url, {"reason": "no_capacity", "comment": "Plus de place ce soir"}, format="json"
    )
    assert ok.status_code == 200
    seen_by_sender = partner_a.api().get(f"/api/v1/referrals/{referral['id']}").json()
    assert seen_by_sender["status"] == "declined"
    assert seen_by_sender["decline_reason"] == "no_capacity"
    assert seen_by_sender["decline_comment"] == "Plus de place ce soir"
    assert Case.objects.count() == 0


def test_only_the_receiver_answers_and_only_the_sender_cancels(partner_a, partner_b, shared_person):
    referral = send(partner_a, partner_b, shared_person).json()
    base = f"/api/v1/referrals/{referral['id']}"
    assert partner_a.api().post(f"{base}/accept").status_code == 403
    assert partner_b.api().post(f"{base}/cancel").status_code == 403
    assert partner_a.api().post(f"{base}/cancel").status_code == 200
    late = partner_b.api().post(f"{base}/accept")
    assert late.status_code == 409
    assert late["Content-Type"] == "application/problem+json"


def test_referral_without_a_basis_for_the_receiver_is_refused(partner_a, partner_b):
    beneficiary = person(partner_a)
    response = send(partner_a, partner_b, beneficiary)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "receiver"
    assert "consent" in response.json()["detail"]
    assert Referral.objects.count() == 0


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"case_type": "yoga"}, "case_type"),
        ({"receiver": "not-a-uuid"}, "receiver"),
        ({"receiver": "00000000-0000-0000-0000-000000000000"}, "receiver"),
        ({"beneficiary": "00000000-0000-0000-0000-000000000000"}, "beneficiary"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_referral_input_names_the_field(partner_a, partner_b, shared_person, override, field):
    override = {"beneficiary": shared_person, **override}
    beneficiary = override.pop("beneficiary")
    response = send(partner_a, partner_b, beneficiary, **override)
    assert response.status_code in (400, 422)
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Referral.objects.count() == 0


def test_referral_to_oneself_is_refused(partner_a, shared_person):
    response = send(partner_a, partner_a, shared_person)
    assert response.status_code in (400, 422)
    assert response.json()["errors"][0]["field"] == "receiver"


def test_a_third_organization_sees_neither_the_referral_nor_its_actions(
    partner_a, partner_b, shared_person
):
    from tests.conftest import Partner

    outsider = Partner("Épicerie solidaire Vaulx", kind="association")
    referral = send(partner_a, partner_b, shared_person).json()
    api = outsider.api()
    assert api.get(f"/api/v1/referrals/{referral['id']}").status_code == 404
    assert api.post(f"/api/v1/referrals/{referral['id']}/accept").status_code == 404
    assert api.get("/api/v1/referrals").json()["results"] == []


@override_settings(REFERRAL_REMINDER_DAYS=3)
def test_unanswered_referrals_are_reminded_once_per_period(partner_a, partner_b, shared_person):
    referral = send(partner_a, partner_b, shared_person).json()
    answered = send(partner_a, partner_b, shared_person).json()
    partner_b.api().post(f"/api/v1/referrals/{answered['id']}/accept")
    later = timezone.now() + timedelta(days=4)
    assert referrals.remind_unanswered(now=later) == 1
    assert referrals.remind_unanswered(now=later) == 0
    reminders = Event.objects.filter(type="referral.reminder")
    assert [e.subject_id for e in reminders] == [referral["id"]]
    assert reminders[0].recipient_id == partner_b.organization.pk
    assert referrals.remind_unanswered(now=later + timedelta(days=4)) == 1


def test_receiver_accepts_in_the_admin(client, partner_a, partner_b, shared_person):
    referral = send(partner_a, partner_b, shared_person).json()
    member = MembershipFactory(organization=partner_b.organization)
    outsider = MembershipFactory()
    for user in (member.user, outsider.user):
        user.save()  # the factory sets the password without saving it
        user.user_permissions.add(*Permission.objects.filter(codename__endswith="_referral"))
    client.force_login(outsider.user)
    hidden = client.get(f"/admin/exchanges/referral/{referral['id']}/change/", secure=True)
    assert hidden.status_code in (302, 404)
    assert client.get("/admin/exchanges/referral/", secure=True).context["cl"].result_count == 0
    client.force_login(member.user)
    listing = client.get("/admin/exchanges/referral/", secure=True)
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    page = client.get(f"/admin/exchanges/referral/{referral['id']}/change/", secure=True)
    accept = f"/admin/exchanges/referral/{referral['id']}/action/accept/"
    assert accept in page.content.decode()  # the receiver's button on the referral's page
    response = client.post(accept, {"comment": "ok", "referent": "Mme Roux"}, secure=True)
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral["id"]).status == "accepted"
    assert Case.objects.filter(organization=partner_b.organization).count() == 1


def test_consent_to_the_orientation_lets_the_sender_refer(partner_a, partner_b):
    beneficiary = person(partner_a)
    consent_for(partner_a, beneficiary, partner_b, ["shelter"], ["identity", "contact"])
    response = send(partner_a, partner_b, beneficiary)
    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    assert referral.basis == "consent"
    assert referral.grant_id is not None
    accepted = partner_b.api().post(f"/api/v1/referrals/{referral.pk}/accept")
    assert accepted.status_code == 200
    assert Case.objects.get().organization == partner_b.organization
