"""Helpers for exchanges tests: persons known to partners, broker-marked tests."""

from __future__ import annotations

import time
import uuid

from django.db import connection, transaction
from django.db.models import Max

from exchanges import feed
from hub.outbox.models import Event
from hub.registry.models import PartnerRecord
from tests.factories import record_payload


def person(partner, external_id: str | None = None, **overrides) -> str:
    """The partner submits its record of a new, distinct person; returns the golden id."""
    external_id = external_id or f"P-{uuid.uuid4().hex[:10]}"
    overrides = {**distinct_identity(), **overrides}
    response = partner.api().put(
        f"/api/v1/records/{external_id}", record_payload(**overrides), format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["beneficiary"]


_counter = iter(range(10**9))


SURNAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "Andre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "Francois",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guerin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
]
FIRST_NAMES = [
    "Jeanne",
    "Paul",
    "Amina",
    "Karim",
    "Louise",
    "Hugo",
    "Chloe",
    "Yanis",
    "Ines",
    "Lucas",
    "Emma",
    "Nathan",
    "Lea",
    "Adam",
    "Sarah",
    "Noah",
    "Manon",
    "Rayan",
    "Camille",
    "Leo",
]


def distinct_identity() -> dict:
    """Names and birth dates that the matching engine will not take for anyone else nearby."""
    n = next(_counter)
    return {
        "birth_name": SURNAMES[n % len(SURNAMES)],
        "first_names": FIRST_NAMES[(n * 7) % len(FIRST_NAMES)],
        "birth_date": f"{1930 + (n * 13) % 70}-{1 + n % 12:02d}-{1 + (n * 5) % 28:02d}",
    }


def also_known_by(partner, beneficiary_id: str) -> PartnerRecord:
    """The partner holds its own record of the same person (what a certain match produces)."""
    return PartnerRecord.objects.create(
        organization=partner.organization,
        external_id=f"K-{uuid.uuid4().hex[:10]}",
        beneficiary_id=beneficiary_id,
        payload=record_payload(),
    )


def settle(timeout: float = 60.0) -> None:
    """Wait until every committed event is readable (PostgreSQL: below the snapshot xmin, which
    other sessions on the same server may hold back for a while), then run the relay as Celery
    beat would, and deliver what is due as the dispatcher would (when it is the delivery
    path). Only for tests with real commits (``transaction=True``)."""
    from exchanges import dispatcher
    from exchanges.tasks import relay_outbox

    deadline = time.monotonic() + timeout
    while connection.vendor == "postgresql" and time.monotonic() < deadline:
        top = Event.objects.aggregate(top=Max("xid"))["top"]
        if top is None or feed.snapshot_xmin() > top:
            break
        time.sleep(0.05)
    relay_outbox.delay()
    if dispatcher.enabled():
        dispatcher.Dispatcher(threads=0).drain()


def consent_for(grantor, beneficiary_id, grantee, purposes, categories):
    """``grantor`` (which holds a record of the person) records the person's consent to share
    ``categories`` with ``grantee`` for ``purposes``, through the consent service."""
    from consent.grants import record_grant
    from hub.registry.actors import Actor

    actor = Actor(
        organization_id=grantor.organization.pk,
        organization_ids=(grantor.organization.pk,),
        client_id=grantor.onboarded.client.pk,
    )
    with transaction.atomic():
        return record_grant(
            actor=actor,
            beneficiary_id=beneficiary_id,
            basis="consent",
            grantee_type="organization",
            grantee_organization_id=grantee.organization.pk,
            purposes=list(purposes),
            categories=list(categories),
            evidence_method="written",
            collected_by_name="Mme Travailleuse sociale",
        )
