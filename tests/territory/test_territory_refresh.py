"""The aggregates follow the outbox: a new case shows after one refresh, replaying is harmless."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from hub.registry.models import PartnerRecord
from territory import refresh, selectors
from territory.catalogue import BY_CODE
from territory.models import Cell
from tests.exchanges.conftest import person
from tests.factories import record_payload

# Committed transactions: on PostgreSQL the feed only reads events below the oldest running
# transaction, which inside a test-wrapping transaction would be the test itself.
pytestmark = pytest.mark.django_db(transaction=True)


def persons_in_villeurbanne() -> int:
    table = selectors.table(
        BY_CODE["persons_supported"], level="commune", periods=[selectors.months_now()]
    )
    return next((c["value"] for c in table.cells if c["zone"] == "69266"), 0)


def test_a_new_case_reaches_the_aggregates_on_the_next_refresh(partner_a, settings):
    settings.TERRITORY_THRESHOLD = 1
    call_command("rebuild_indicators")
    assert persons_in_villeurbanne() == 0
    address = {"line": "1 rue A", "postcode": "69100", "city": "Villeurbanne"}
    for _ in range(2):
        beneficiary = person(partner_a, address=address)
        response = partner_a.api().post(
            "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
        )
        assert response.status_code == 201
    assert persons_in_villeurbanne() == 0  # not yet refreshed
    assert refresh.refresh() > 0
    assert persons_in_villeurbanne() == 2
    cells = sorted(Cell.objects.values_list("measure", "zone", "period", "category", "value"))
    assert refresh.refresh() == 0  # nothing new
    refresh.rebuild()  # replaying everything gives the same cells
    assert (
        sorted(Cell.objects.values_list("measure", "zone", "period", "category", "value")) == cells
    )


def test_a_person_moving_leaves_their_old_commune(partner_a, settings):
    settings.TERRITORY_THRESHOLD = 1
    address = {"line": "1 rue A", "postcode": "69100", "city": "Villeurbanne"}
    beneficiary = person(partner_a, external_id="MOVER", address=address)
    partner_a.api().post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
    )
    refresh.refresh()
    assert persons_in_villeurbanne() == 1
    payload = dict(PartnerRecord.objects.get(external_id="MOVER").payload)
    payload["address"] = {"line": "2 rue B", "postcode": "69120", "city": "Vaulx-en-Velin"}
    response = partner_a.api().put(
        "/api/v1/records/MOVER", record_payload(**payload), format="json"
    )
    assert response.status_code == 200, response.content
    refresh.refresh()
    assert persons_in_villeurbanne() == 0


def parent_cells_add_up() -> None:
    """Every stored EPCI and département cell is the sum of its communes' cells, and no sum
    of communes lacks its parent cell."""
    from collections import Counter

    for level, column in (("epci", "epci"), ("departement", "departement")):
        summed: Counter = Counter()
        for row in Cell.objects.filter(level="commune").values_list(
            "measure", column, "period", "dimension", "category", "value"
        ):
            summed[row[:5]] += row[5]
        stored = {
            row[:5]: row[5]
            for row in Cell.objects.filter(level=level).values_list(
                "measure", "zone", "period", "dimension", "category", "value"
            )
        }
        assert stored == dict(summed), level


def test_parent_zones_follow_a_person_moving_to_another_epci(partner_a, settings):
    settings.TERRITORY_THRESHOLD = 1
    address = {"line": "1 rue A", "postcode": "69100", "city": "Villeurbanne"}
    beneficiary = person(partner_a, external_id="MOVER", address=address)
    partner_a.api().post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
    )
    refresh.refresh()
    parent_cells_add_up()
    lyon = "200046977"  # Métropole de Lyon
    assert Cell.objects.filter(level="epci", zone=lyon, measure="persons_supported").exists()
    payload = dict(PartnerRecord.objects.get(external_id="MOVER").payload)
    payload["address"] = {"line": "2 rue B", "postcode": "69400", "city": "Villefranche-sur-Saône"}
    response = partner_a.api().put(
        "/api/v1/records/MOVER", record_payload(**payload), format="json"
    )
    assert response.status_code == 200, response.content
    refresh.refresh()
    parent_cells_add_up()
    assert not Cell.objects.filter(level="epci", zone=lyon, measure="persons_supported").exists()
    assert Cell.objects.filter(level="departement", zone="69", measure="persons_supported").exists()
