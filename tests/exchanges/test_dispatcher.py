"""The webhook dispatcher (``exchanges.dispatcher``), running in threads of this process against
the test database and local receivers: real commits, real LISTEN/NOTIFY, real HTTP."""

from __future__ import annotations

import json
import socket
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone

from exchanges import dispatcher, feed, webhooks
from exchanges.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from hub.outbox.emit import emit
from hub.outbox.models import Event
from tests.exchanges.receiver import Receiver
from tests.exchanges.worker import Dispatch
from tests.exchanges.worker import test_database_url as database_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dispatcher_mode(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOKS_DELIVERY = "dispatcher"
    settings.WEBHOOKS_TIMEOUT_SECONDS = 3
    settings.WEBHOOKS_POLL_SECONDS = 1
    return settings


@contextmanager
def running(threads: int = 4, per_endpoint: int = 2):
    instance = dispatcher.Dispatcher(threads=threads, per_endpoint=per_endpoint)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    # Events emitted before LISTEN is in place reach receivers through the watermark relay,
    # which an open transaction holds back: the tests start once the dispatcher listens.
    if connection.vendor == "postgresql":
        assert instance.listening.wait(10), "the dispatcher did not LISTEN"
    try:
        yield instance
    finally:
        instance.stop()
        thread.join(30)
        assert not thread.is_alive(), "the dispatcher did not stop"


def endpoint_for(partner, url) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        organization=partner.organization,
        client=partner.onboarded.client,
        url=url,
        secret=webhooks.new_secret(),
    )


def tick(partner, subject: str) -> None:
    with transaction.atomic():
        emit(type="test.tick", organization_id=partner.organization.pk, subject_id=subject)


def subjects(received) -> list[str]:
    return [json.loads(body)["data"]["subject"] for _, body in received]


@pytest.mark.postgres
def test_a_hung_receiver_does_not_delay_the_others(partner_a, partner_b, dispatcher_mode):
    dispatcher_mode.WEBHOOKS_TIMEOUT_SECONDS = 8
    with Receiver(hang=6) as slow, Receiver() as fast, running(threads=4, per_endpoint=2):
        endpoint_for(partner_a, slow.url)
        endpoint_for(partner_b, fast.url)
        for n in range(10):
            tick(partner_a, f"A-{n}")  # ten deliveries to the hung receiver first
        start = time.monotonic()
        for n in range(5):
            tick(partner_b, f"B-{n}")
        received = fast.wait_for(5, timeout=10)
        elapsed = time.monotonic() - start
    assert sorted(subjects(received)) == [f"B-{n}" for n in range(5)]
    # The slow receiver holds at most two threads; the others serve B at once (behind it, B
    # would wait at least one 6 s answer).
    assert elapsed < 4.5, f"B waited {elapsed:.2f} s behind the hung receiver"


@pytest.mark.postgres
def test_after_an_outage_the_backlog_leaves_as_soon_as_the_receiver_answers(
    partner_a, dispatcher_mode
):
    with Receiver(statuses=[503] * 6) as receiver, running():
        endpoint_for(partner_a, receiver.url)
        for n in range(6):
            tick(partner_a, f"A-{n}")
        receiver.wait_for(6, timeout=10)
        deadline = time.monotonic() + 10
        while WebhookDelivery.objects.filter(attempts=1, status=DeliveryStatus.PENDING).count() < 6:
            assert time.monotonic() < deadline, "the failures were not recorded"
            time.sleep(0.05)
        # As after a second failure: the next attempts are minutes away.
        WebhookDelivery.objects.update(next_attempt_at=timezone.now() + timedelta(minutes=5))
        back = time.monotonic()
        tick(partner_a, "A-new")  # the receiver answers again
        received = receiver.wait_for(13, timeout=10)
        caught_up = time.monotonic() - back
    assert sorted(set(subjects(received))) == sorted([f"A-{n}" for n in range(6)] + ["A-new"])
    assert caught_up < 10.0, f"the backlog took {caught_up:.1f} s (its retries were 5 min away)"
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}


@contextmanager
def open_transaction(sql: str = "SELECT pg_current_xact_id()"):
    """Another session with a transaction holding an xid, left open (as a stuck request)."""
    with psycopg.connect(database_url()) as other:
        other.execute(sql)
        try:
            yield other
        finally:
            other.rollback()


@pytest.mark.postgres
def test_an_unrelated_open_transaction_does_not_hold_webhooks_back(partner_a, dispatcher_mode):
    with Receiver() as receiver, running():
        endpoint_for(partner_a, receiver.url)
        with open_transaction():
            start = time.monotonic()
            tick(partner_a, "A-1")
            received = receiver.wait_for(1, timeout=10)
            elapsed = time.monotonic() - start
            # The feed itself still waits for the open transaction (its watermark holds).
            assert not feed.after(feed.Position()).filter(subject_id="A-1").exists()
    assert subjects(received) == ["A-1"]
    assert elapsed < 5.0, f"delivered after {elapsed:.2f} s"  # the transaction stays open


@pytest.mark.postgres
def test_a_late_committing_transaction_is_delivered(partner_a, dispatcher_mode):
    with Receiver() as receiver, running():
        endpoint_for(partner_a, receiver.url)
        started, release = threading.Event(), threading.Event()

        def slow_writer():
            try:
                with transaction.atomic():
                    emit(
                        type="test.tick", organization_id=partner_a.organization.pk, subject_id="L"
                    )
                    started.set()
                    release.wait(10)
            finally:
                connection.close()

        writer = threading.Thread(target=slow_writer)
        writer.start()
        started.wait(10)
        tick(partner_a, "A-after")  # a later id, committed first
        receiver.wait_for(1, timeout=10)
        release.set()
        writer.join(10)
        received = receiver.wait_for(2, timeout=10)
    assert subjects(received) == ["A-after", "L"]


@pytest.mark.postgres
def test_an_event_whose_notification_was_lost_is_delivered_by_the_watermark_relay(
    partner_a, dispatcher_mode
):
    """A writer that died between its commit and its NOTIFY: the relay's poll finds it."""
    with Receiver() as receiver, running():
        endpoint_for(partner_a, receiver.url)
        with psycopg.connect(database_url()) as other:
            other.execute(
                f"INSERT INTO {Event._meta.db_table} (type, organization_id, shared, subject_id,"
                " data, occurred_at, xid) VALUES ('test.tick', %s, false, 'silent', '{}', now(),"
                " pg_current_xact_id()::text::bigint)",
                [partner_a.organization.pk],
            )
            other.commit()
        received = receiver.wait_for(1, timeout=10)
    assert subjects(received) == ["silent"]


@pytest.mark.postgres
def test_two_dispatchers_never_claim_the_same_delivery(partner_a, dispatcher_mode):
    with Receiver() as receiver:
        endpoint_for(partner_a, receiver.url)
        with transaction.atomic():
            for n in range(300):
                emit(type="test.tick", organization_id=partner_a.organization.pk, subject_id=n)
        feed_events = list(Event.objects.order_by("id"))
        webhooks.create_deliveries(feed_events, list(WebhookEndpoint.objects.all()))
        with running(threads=4, per_endpoint=4), running(threads=4, per_endpoint=4):
            received = receiver.wait_for(300, timeout=60)
            time.sleep(0.5)  # a double delivery would arrive now
        received = list(receiver.requests)
    ids = [headers["webhook-id"] for headers, _ in received]
    assert len(ids) == 300
    assert len(set(ids)) == 300
    assert (
        WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED, attempts=1).count() == 300
    )


def test_the_connection_goes_to_the_checked_address_with_the_original_host(
    partner_a, dispatcher_mode, monkeypatch
):
    """The name is resolved once, by the SSRF check; a second resolution (DNS rebinding) is
    never made: here it would fail."""
    real = socket.getaddrinfo
    calls = []

    def resolver(host, *args, **kwargs):
        if host == "hooks.partner.test":
            calls.append(host)
            if len(calls) > 1:
                raise socket.gaierror("rebinding attempt: a second resolution")
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        endpoint_for(partner_a, f"http://hooks.partner.test:{port}/hook")
        tick(partner_a, "A-1")
        dispatcher.Dispatcher(threads=0).drain()
        (headers, _body), *_ = receiver.wait_for(1, timeout=10)
    assert headers["host"] == f"hooks.partner.test:{port}"
    assert calls == ["hooks.partner.test"]


def test_the_dispatcher_delivers_on_sqlite_too_by_polling(partner_a, dispatcher_mode):
    with Receiver() as receiver:
        endpoint_for(partner_a, receiver.url)
        tick(partner_a, "A-1")
        tick(partner_a, "A-2")
        if connection.vendor == "postgresql":  # events readable below the watermark
            time.sleep(0.2)
        assert dispatcher.Dispatcher(threads=0).drain() == 2
        received = receiver.wait_for(2, timeout=10)
    assert subjects(received) == ["A-1", "A-2"]


@pytest.mark.postgres
def test_sigterm_lets_the_delivery_in_flight_finish_then_exits(partner_a, dispatcher_mode):
    with Receiver(hang=2.0) as receiver:
        endpoint_for(partner_a, receiver.url)
        process = Dispatch().start()
        try:
            tick(partner_a, "A-1")
            receiver.wait_for(1, timeout=20)  # the receiver is answering slowly
            code = process.terminate()
        finally:
            if process.process.poll() is None:
                process.process.kill()
    assert code == 0, "".join(process.output)
    assert "dispatcher stopped" in "".join(process.output)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1
