import pytest
from django.contrib.auth.models import Permission

from exchanges.models import DeliveryStatus, OverlapAlert, WebhookDelivery
from tests.exchanges.conftest import also_known_by, person, settle
from tests.exchanges.receiver import Receiver
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def staff_of(organization, *codenames):
    member = MembershipFactory(organization=organization)
    member.user.save()  # the factory sets the password without saving it
    member.user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return member.user


def test_coordinator_sees_only_their_overlap_alert_without_the_undisclosed_partner(
    client, partner_a, partner_b
):
    beneficiary = person(partner_a)
    also_known_by(partner_b, beneficiary)
    for partner in (partner_b, partner_a):
        partner.api().post(
            "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
        )
    assert OverlapAlert.objects.count() == 2
    client.force_login(staff_of(partner_a.organization, "view_overlapalert"))
    listing = client.get("/admin/exchanges/overlapalert/", secure=True)
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    page = listing.content.decode()
    assert "demander le consentement" in page
    assert partner_b.organization.name not in page


def test_delivery_log_replay_action_sends_again_with_the_same_id(client, partner_a, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    with Receiver() as receiver:
        partner_a.api().post("/api/v1/webhooks", {"url": receiver.url}, format="json")
        person(partner_a, external_id="A-1")
        settle()
        receiver.wait_for(1)
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.SUCCEEDED
        client.force_login(staff_of(partner_a.organization, "view_webhookdelivery"))
        response = client.post(
            "/admin/exchanges/webhookdelivery/",
            {"action": "replay", "_selected_action": [delivery.pk]},
            secure=True,
        )
        assert response.status_code == 302
        settle()
        received = receiver.wait_for(2)
    assert received[0][0]["webhook-id"] == received[1][0]["webhook-id"]
