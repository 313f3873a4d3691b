"""POST /api/v1/match: candidates only among persons the caller may already see; no oracle."""

import pytest

from consent.models import AccessLog
from tests.factories import record_payload

pytestmark = pytest.mark.django_db

NIR = "284037511512331"


def _probe(partner, **person):
    body = {"person": record_payload(**person)}
    return partner.api(scope="records:read").post("/api/v1/match", body, format="json")


def test_match_finds_own_person_with_grade_score_and_explanation(partner_a):
    created = (
        partner_a.api().put("/api/v1/records/A-1", record_payload(nir=NIR), format="json").json()
    )
    response = _probe(partner_a, nir=NIR)
    assert response.status_code == 200, response.content
    [candidate] = response.json()["candidates"]
    assert candidate["beneficiary"] == created["beneficiary"]
    assert candidate["grade"] == "certain"
    assert 0.99 <= candidate["score"] <= 1
    assert {e["field"] for e in candidate["explanation"]} >= {
        "surname",
        "first_names",
        "birth_date",
    }
    assert AccessLog.objects.filter(
        resource="match", beneficiary_id=created["beneficiary"]
    ).exists()


def test_person_known_only_to_another_partner_answers_like_a_stranger(partner_a, partner_b):
    partner_a.api().put("/api/v1/records/A-1", record_payload(nir=NIR), format="json")
    known_elsewhere = _probe(partner_b, nir=NIR)
    stranger = _probe(
        partner_b, birth_name="Inconnu", first_names="Personne", birth_date="1950-01-01"
    )
    assert known_elsewhere.status_code == stranger.status_code == 200
    assert known_elsewhere.json() == stranger.json() == {"candidates": []}
    assert not AccessLog.objects.filter(resource="match").exists()


def test_match_validates_the_person_and_names_the_field(partner_a):
    response = partner_a.api().post(
        "/api/v1/match",
        {"person": record_payload(birth_date="2023-02-30"), "count": 99},
        format="json",
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"person.birth_date", "count"}


def test_match_is_throttled_per_client(partner_a, settings):
    from django.core.cache import cache

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"client": "100/min", "match": "2/min"},
    }
    cache.clear()
    api = partner_a.api()
    codes = [
        api.post("/api/v1/match", {"person": record_payload()}, format="json").status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    assert api.get("/api/v1/records").status_code == 200
    cache.clear()
