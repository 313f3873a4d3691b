"""Deliveries go to the address the SSRF check approved, with the endpoint's name in the Host
header, the TLS SNI and the certificate check (``exchanges.transport``)."""

from __future__ import annotations

import socket
import ssl

import pytest
import trustme
from django.db import transaction

from exchanges import dispatcher, webhooks
from exchanges.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from exchanges.transport import SESSIONS
from hub.outbox.emit import emit
from tests.exchanges.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "hooks.partner.test"


@pytest.fixture
def pinned_name(settings, monkeypatch):
    """``NAME`` resolves to 127.0.0.1 once; any second resolution fails (DNS rebinding)."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOKS_DELIVERY = "dispatcher"
    real = socket.getaddrinfo
    calls = []

    def resolver(host, *args, **kwargs):
        if host == NAME:
            calls.append(host)
            if len(calls) > 1:
                raise socket.gaierror("a second resolution of the name")
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return calls


def tls_receiver(ca: trustme.CA, cert_name: str, sni: list) -> Receiver:
    receiver = Receiver()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(cert_name).configure_cert(context)
    context.sni_callback = lambda _sock, name, _ctx: sni.append(name)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    return receiver


def deliver_to(partner, url: str, ca: trustme.CA, tmp_path) -> WebhookDelivery:
    WebhookEndpoint.objects.create(
        organization=partner.organization,
        client=partner.onboarded.client,
        url=url,
        secret=webhooks.new_secret(),
    )
    with transaction.atomic():
        emit(type="test.tick", organization_id=partner.organization.pk, subject_id="A-1")
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    SESSIONS.get(url, "127.0.0.1").verify = str(bundle)  # trust the test CA for this receiver
    dispatcher.Dispatcher(threads=0).drain()
    return WebhookDelivery.objects.get()


def test_https_goes_to_the_checked_address_with_sni_and_the_certificate_of_the_name(
    partner_a, pinned_name, tmp_path
):
    ca, sni = trustme.CA(), []
    with tls_receiver(ca, NAME, sni) as receiver:
        port = receiver.server.server_address[1]
        delivery = deliver_to(partner_a, f"https://{NAME}:{port}/hook", ca, tmp_path)
        (headers, _body), *_ = receiver.wait_for(1, timeout=10)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert sni == [NAME]
    assert headers["host"] == f"{NAME}:{port}"
    assert pinned_name == [NAME]  # resolved once, by the check


def test_a_certificate_for_another_name_is_refused(partner_a, pinned_name, tmp_path):
    ca, sni = trustme.CA(), []
    with tls_receiver(ca, "someone-else.test", sni) as receiver:
        port = receiver.server.server_address[1]
        delivery = deliver_to(partner_a, f"https://{NAME}:{port}/hook", ca, tmp_path)
    assert delivery.status == DeliveryStatus.PENDING  # to be retried
    assert delivery.last_error == "SSLError"
    assert receiver.requests == []
