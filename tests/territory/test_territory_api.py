"""The hypervision API: definitions, suppressed tables only, bad parameters named, no person."""

from __future__ import annotations

import pytest

from territory import refresh
from territory.catalogue import INDICATORS
from tests.conftest import Partner
from tests.exchanges.conftest import person
from tests.territory.territory_fixtures import VILLEURBANNE, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def hypervisor(db):
    return Partner("Hyperviseur de la ville", kind="commune", scopes="indicators:read")


def test_list_gives_every_indicator_with_its_definition(hypervisor):
    response = hypervisor.api().get("/api/v1/indicators")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["code"] for r in results] == [i.code for i in INDICATORS]
    for item in results:
        assert {"code", "title", "unit", "definition", "zone_levels", "breakdowns"} <= set(item)
        assert item["definition"]["numerator"]


def test_scope_is_required(partner_a):
    assert partner_a.api().get("/api/v1/indicators").status_code == 403


def test_table_is_suppressed_below_the_threshold(hypervisor):
    build()
    refresh.rebuild()
    body = (
        hypervisor.api()
        .get("/api/v1/indicators/persons_supported?zone_level=commune&from=2026-03&to=2026-03")
        .json()
    )
    assert body["code"] == "persons_supported" and body["threshold"] == 11
    cells = {(c["zone"], c["period"]): c for c in body["cells"]}
    # 4 persons in Villeurbanne, 2 in Vaulx, 6 in all: every cell is below 11.
    assert cells[(VILLEURBANNE, "2026-03")] == {
        "zone": VILLEURBANNE,
        "period": "2026-03",
        "breakdown": "total",
        "value": None,
        "suppressed": True,
    }
    for cell in body["cells"]:
        assert (cell["value"] is None) == cell["suppressed"]
        assert cell["value"] is None or cell["value"] == 0 or cell["value"] >= 11


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("zone_level=canton", "zone_level"),
        ("from=2026-13", "from"),
        ("to=march", "to"),
        ("from=2026-05&to=2026-01", "from"),
        ("from=2010-01&to=2026-01", "to"),
        ("breakdown=colour", "breakdown"),
        ("zone=99999", "zone"),
        ("colour=red", "colour"),
    ],
)
def test_bad_parameters_answer_400_naming_the_parameter(hypervisor, query, field):
    response = hypervisor.api().get(f"/api/v1/indicators/persons_supported?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_hypervision_indicators_are_zone_level_only(hypervisor):
    response = hypervisor.api().get("/api/v1/indicators/reduced_mobility_persons?zone_level=iris")
    assert response.status_code == 400


def test_unknown_code_answers_404(hypervisor):
    response = hypervisor.api().get("/api/v1/indicators/happiness")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_no_response_carries_a_name_a_birth_date_an_address_or_a_person_id(
    hypervisor, partner_a, settings
):
    """Real records through the API, aggregates rebuilt, then every indicator, every level and
    breakdown, threshold at 1 so that everything is published: nothing personal comes out."""
    settings.TERRITORY_THRESHOLD = 1
    secrets, ids = [], set()
    for i in range(12):
        name, first = f"Zorglub{i}", f"Ermengarde{i}"
        beneficiary = person(
            partner_a,
            birth_name=name,
            first_names=first,
            birth_date=f"1951-04-{i + 10:02d}",
            address={
                "line": f"{i + 7} rue Quelconque",
                "postcode": "69100",
                "city": "Villeurbanne",
            },
            living_alone=True,
        )
        response = partner_a.api().post(
            "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
        )
        assert response.status_code == 201
        secrets += [name, first, f"1951-04-{i + 10:02d}", "rue Quelconque", beneficiary]
        ids.add(beneficiary)
    refresh.rebuild()
    api = hypervisor.api()
    bodies = [api.get("/api/v1/indicators").content.decode()]
    published = 0
    for indicator in INDICATORS:
        for level in indicator.zone_levels:
            for breakdown in ("", *indicator.breakdowns):
                url = f"/api/v1/indicators/{indicator.code}?zone_level={level}"
                response = api.get(url + (f"&breakdown={breakdown}" if breakdown else ""))
                assert response.status_code == 200, (url, response.content)
                bodies.append(response.content.decode())
                published += sum(1 for c in response.json()["cells"] if not c["suppressed"])
    everything = "\n".join(bodies)
    assert published > 0  # the search ran over real figures
    table = api.get("/api/v1/indicators/persons_supported").json()
    # (the matching engine may link two of these invented persons: count the golden records)
    assert {(c["zone"], c["value"]) for c in table["cells"]} >= {(VILLEURBANNE, len(ids))}
    for secret in secrets:
        assert secret.lower() not in everything.lower(), secret
    assert "birth" not in everything and "first_names" not in everything
