import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from exchanges import sending, webhooks
from exchanges.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.exchanges.conftest import also_known_by, person, settle
from tests.exchanges.receiver import Receiver

# Real commits: deliveries leave after commit, and on PostgreSQL the relay reads only events of
# transactions that have ended.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def private_ok(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True


def register(partner, url, event_types=()):
    response = partner.api().post(
        "/api/v1/webhooks", {"url": url, "event_types": list(event_types)}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "http://93.184.215.14/hook",
        "ftp://example.org/hook",
        "https://user:pw@93.184.215.14/hook",
        "not a url",
    ],
)
def test_private_loopback_link_local_and_non_https_targets_are_refused(partner_a, url):
    response = partner_a.api().post("/api/v1/webhooks", {"url": url}, format="json")
    assert response.status_code in (400, 422), response.content
    assert response.json()["errors"][0]["field"] == "url"
    assert WebhookEndpoint.objects.count() == 0


def test_webhook_is_delivered_and_its_signature_verifies_with_standardwebhooks(
    partner_a, private_ok
):
    with Receiver() as receiver:
        endpoint = register(partner_a, receiver.url, ["record.upserted"])
        assert endpoint["secret"].startswith("whsec_")
        beneficiary = person(partner_a, external_id="A-1")
        settle()
        (headers, body), *_ = receiver.wait_for(1)
    payload = Webhook(endpoint["secret"]).verify(body, headers)
    assert payload["type"] == "record.upserted"
    assert payload["data"]["subject"] == "A-1"
    assert payload["data"]["beneficiary"] == beneficiary
    assert "Martin" not in body.decode()
    assert headers["webhook-id"].startswith("msg_")
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(body, headers)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.msg_id == headers["webhook-id"]


def test_event_type_filter_and_other_partners_events(partner_a, partner_b, private_ok):
    with Receiver() as receiver:
        register(partner_a, receiver.url, ["case.opened"])
        person(partner_b, external_id="B-1")  # not A's business
        beneficiary = person(partner_a, external_id="A-1")  # filtered out by type
        partner_a.api().post(
            "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
        )
        settle()
        received = receiver.wait_for(1)
    assert [json.loads(body)["type"] for _, body in received] == ["case.opened"]


def test_rotated_secret_signs_with_old_and_new_during_the_grace_period(partner_a, private_ok):
    with Receiver() as receiver:
        endpoint = register(partner_a, receiver.url)
        rotated = partner_a.api().post(f"/api/v1/webhooks/{endpoint['id']}/rotate-secret")
        assert rotated.status_code == 200
        new_secret = rotated.json()["secret"]
        assert new_secret != endpoint["secret"]
        person(partner_a, external_id="A-1")
        settle()
        (headers, body), *_ = receiver.wait_for(1)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(endpoint["secret"]).verify(body, headers)
    Webhook(new_secret).verify(body, headers)
    stored = WebhookEndpoint.objects.get()
    later = timezone.now() + timedelta(days=2)
    assert webhooks.active_secrets(stored, later) == [new_secret]


def test_410_disables_the_endpoint(partner_a, private_ok):
    with Receiver(statuses=[410]) as receiver:
        register(partner_a, receiver.url)
        person(partner_a, external_id="A-1")
        settle()
        receiver.wait_for(1)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.is_active is False
    assert "410" in endpoint.disabled_reason
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED


def test_failure_is_retried_later_with_jitter_then_delivered_with_the_same_id(
    partner_a, private_ok
):
    with Receiver(statuses=[500]) as receiver:
        register(partner_a, receiver.url)
        person(partner_a, external_id="A-1")
        settle()
        receiver.wait_for(1)
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING
        assert delivery.attempts == 1
        assert delivery.last_status_code == 500
        delay = delivery.next_attempt_at - timezone.now()
        assert timedelta(seconds=2) < delay < timedelta(seconds=7)
        assert webhooks.due_deliveries() == []  # not due yet
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
        settle()
        received = receiver.wait_for(2)
    assert received[0][0]["webhook-id"] == received[1][0]["webhook-id"]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_retry_schedule_spans_about_three_days_then_gives_up():
    total = sum(sending.RETRY_SCHEDULE, timedelta())
    assert timedelta(days=2, hours=12) < total < timedelta(days=3, hours=12)
    assert sending.retry_delay(sending.MAX_ATTEMPTS) is None
    delays = {sending.retry_delay(1) for _ in range(20)}
    assert len(delays) > 1  # jitter


def test_payload_about_a_person_the_client_cannot_see_is_not_sent(partner_a, partner_b, private_ok):
    with Receiver() as receiver:
        register(partner_b, receiver.url, ["referral.sent"])
        seen = person(partner_a, external_id="A-1")
        also_known_by(partner_b, seen)
        partner_a.api().post(
            "/api/v1/referrals",
            {
                "beneficiary": seen,
                "receiver": str(partner_b.organization.pk),
                "case_type": "food_aid",
            },
            format="json",
        )
        settle()
        received = receiver.wait_for(1)
    assert json.loads(received[0][1])["data"]["beneficiary"] == seen
    # The same kind of event about a person B cannot see is never fanned out to B.
    from django.db import transaction

    from hub.outbox.emit import emit

    unseen = person(partner_a, external_id="A-2")
    with transaction.atomic():
        emit(
            type="referral.sent",
            organization_id=partner_a.organization.pk,
            recipient_organization_id=partner_b.organization.pk,
            beneficiary_id=unseen,
        )
    settle()
    assert not WebhookDelivery.objects.filter(event__beneficiary_id=unseen).exists()


def test_manual_replay_sends_again_with_the_same_webhook_id(partner_a, private_ok):
    with Receiver() as receiver:
        register(partner_a, receiver.url)
        person(partner_a, external_id="A-1")
        settle()
        receiver.wait_for(1)
        delivery = WebhookDelivery.objects.get()
        assert sending.replay(delivery_ids=[delivery.pk]) == 1
        settle()
        received = receiver.wait_for(2)
    assert received[0][0]["webhook-id"] == received[1][0]["webhook-id"]


def test_webhooks_of_another_client_answer_404(partner_a, partner_b, private_ok):
    endpoint = register(partner_a, "http://127.0.0.1:9/hook")
    api_b = partner_b.api()
    assert api_b.get(f"/api/v1/webhooks/{endpoint['id']}").status_code == 404
    assert api_b.delete(f"/api/v1/webhooks/{endpoint['id']}").status_code == 404
    assert api_b.get("/api/v1/webhooks").json()["results"] == []
    assert partner_a.api().delete(f"/api/v1/webhooks/{endpoint['id']}").status_code == 204
    assert WebhookEndpoint.objects.count() == 0


def test_bad_webhook_input_names_the_field(partner_a):
    response = partner_a.api().post(
        "/api/v1/webhooks", {"url": "https://example.org", "event_types": "all"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "event_types"
