"""Against the real broker: a ``celery -A hub worker -B`` subprocess, a local receiver.

Needs PostgreSQL (the worker shares the test database) and CELERY_BROKER_URL.
"""

import json
import time

import pytest
from standardwebhooks.webhooks import Webhook

from exchanges.models import DeliveryStatus, WebhookDelivery
from hub.celery import app
from tests.exchanges.conftest import person
from tests.exchanges.receiver import Receiver
from tests.exchanges.worker import PrivateRedis, Worker

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_ok(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True


def register(partner, url):
    response = partner.api().post("/api/v1/webhooks", {"url": url}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def wait_until(predicate, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached")


def use_broker(url: str) -> None:
    """Point this process's Celery producer at ``url`` (drops pooled connections)."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def test_webhook_is_delivered_by_a_real_worker(partner_a, private_ok, tmp_path):
    with Receiver() as receiver, Worker(tmp_path):
        endpoint = register(partner_a, receiver.url)
        beneficiary = person(partner_a, external_id="A-1")
        (headers, body), *_ = receiver.wait_for(1, timeout=90)
    payload = Webhook(endpoint["secret"]).verify(body, headers)
    assert payload["data"]["beneficiary"] == beneficiary


def test_worker_killed_during_a_delivery_still_delivers_with_the_same_webhook_id(
    partner_a, private_ok, tmp_path
):
    with Receiver(hang_first=15) as receiver:
        first = Worker(tmp_path).start()
        try:
            register(partner_a, receiver.url)
            person(partner_a, external_id="A-1")
            receiver.wait_for(1, timeout=90)  # the worker is in the middle of the delivery
            first.kill()
        finally:
            first.stop()
        assert WebhookDelivery.objects.get().status == DeliveryStatus.SENDING
        with Worker(tmp_path):
            received = receiver.wait_for(2, timeout=120)
            wait_until(lambda: WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED)
    ids = {headers["webhook-id"] for headers, _ in received}
    assert len(ids) == 1, "duplicates must carry the same webhook-id"


def test_no_event_is_lost_while_the_broker_is_down_for_30_seconds(partner_a, private_ok, tmp_path):
    broker = PrivateRedis().start()
    previous = app.conf.broker_url
    use_broker(broker.url)
    try:
        with Receiver() as receiver, Worker(tmp_path, broker_url=broker.url):
            register(partner_a, receiver.url)
            person(partner_a, external_id="A-0")
            receiver.wait_for(1, timeout=90)
            broker.stop()
            for n in range(1, 11):  # the API keeps working: events wait in the outbox
                person(partner_a, external_id=f"A-{n}")
            time.sleep(30)  # the broker stays down for 30 s
            broker.start()
            received = receiver.wait_for(11, timeout=180)
    finally:
        use_broker(previous)
        broker.stop()
    subjects = {json.loads(body)["data"]["subject"] for _, body in received}
    assert subjects == {f"A-{n}" for n in range(11)}
