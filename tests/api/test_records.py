import pytest

from consent.models import AccessLog
from hub.outbox.models import Event
from hub.registry.models import Beneficiary, PartnerRecord
from tests.factories import record_payload

pytestmark = pytest.mark.django_db


def test_partner_creates_then_reads_its_record(partner_a):
    api = partner_a.api()
    created = api.put("/api/v1/records/A-1", record_payload(), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["external_id"] == "A-1"
    assert body["match"]["outcome"] == "created"
    assert created["ETag"]
    fetched = api.get("/api/v1/records/A-1")
    assert fetched.status_code == 200
    assert fetched.json()["beneficiary"] == body["beneficiary"]
    assert fetched.json()["data"]["birth_name"] == "Martin"
    assert fetched["ETag"] == created["ETag"]


def test_record_write_leaves_event_and_access_log_in_same_transaction(partner_a):
    api = partner_a.api()
    api.put("/api/v1/records/A-1", record_payload(), format="json")
    record = PartnerRecord.objects.get(external_id="A-1")
    assert Event.objects.filter(type="record.upserted", subject_id="A-1").count() == 1
    assert (
        AccessLog.objects.filter(beneficiary_id=record.beneficiary_id, action="write").count() == 1
    )


def test_nir_is_never_stored_in_clear_nor_returned(partner_a):
    nir = "279119935212318"
    response = partner_a.api().put("/api/v1/records/A-2", record_payload(nir=nir), format="json")
    assert response.status_code == 201
    assert nir not in response.content.decode()
    record = PartnerRecord.objects.get(external_id="A-2")
    assert nir not in str(record.payload)
    assert record.nir_hash and nir not in record.nir_hash
    assert response.json()["has_nir"] is True


def test_replacing_a_record_keeps_its_beneficiary_and_bumps_the_version(partner_a):
    api = partner_a.api()
    first = api.put("/api/v1/records/A-1", record_payload(), format="json").json()
    second = api.put("/api/v1/records/A-1", record_payload(phone="0612345678"), format="json")
    assert second.status_code == 200
    assert second.json()["beneficiary"] == first["beneficiary"]
    assert second.json()["version"] == first["version"] + 1
    assert Beneficiary.objects.get(pk=first["beneficiary"]).phone == "0612345678"


def test_if_match_mismatch_answers_412_and_writes_nothing(partner_a):
    api = partner_a.api()
    api.put("/api/v1/records/A-1", record_payload(), format="json")
    stale = api.put(
        "/api/v1/records/A-1",
        record_payload(phone="0600000000"),
        format="json",
        HTTP_IF_MATCH='"stale"',
    )
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    assert PartnerRecord.objects.get(external_id="A-1").version == 1


def test_if_match_with_current_etag_succeeds(partner_a):
    api = partner_a.api()
    etag = api.put("/api/v1/records/A-1", record_payload(), format="json")["ETag"]
    ok = api.put(
        "/api/v1/records/A-1", record_payload(phone="0600000000"), format="json", HTTP_IF_MATCH=etag
    )
    assert ok.status_code == 200


def test_read_only_token_cannot_write(partner_a):
    api = partner_a.api(scope="records:read")
    response = api.put("/api/v1/records/A-1", record_payload(), format="json")
    assert response.status_code == 403
    assert response.json()["status"] == 403
    assert not PartnerRecord.objects.exists()


def test_missing_token_answers_401_problem(db):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/records")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_client_cannot_obtain_scope_it_is_not_allowed(db):
    from tests.conftest import Partner

    reader = Partner("Lecteur", scopes="records:read")
    import base64

    from rest_framework.test import APIClient

    basic = base64.b64encode(f"{reader.client_id}:{reader.client_secret}".encode()).decode()
    response = APIClient().post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": "records:write"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_token_lives_at_most_fifteen_minutes_and_has_no_refresh_token(partner_a):
    import base64

    from rest_framework.test import APIClient

    basic = base64.b64encode(f"{partner_a.client_id}:{partner_a.client_secret}".encode()).decode()
    body = (
        APIClient()
        .post(
            "/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}"
        )
        .json()
    )
    assert body["expires_in"] <= 900
    assert "refresh_token" not in body
    assert set(body["scope"].split()) >= {"records:read", "records:write"}


def test_list_shows_only_own_records_with_cursor(partner_a, partner_b):
    partner_a.api().put("/api/v1/records/A-1", record_payload(), format="json")
    partner_b.api().put("/api/v1/records/B-1", record_payload(birth_name="Durand"), format="json")
    body = partner_a.api().get("/api/v1/records").json()
    assert [r["external_id"] for r in body["results"]] == ["A-1"]
    assert body["next"] is None


def test_other_partners_record_and_beneficiary_answer_404(partner_a, partner_b):
    created = partner_a.api().put("/api/v1/records/A-1", record_payload(), format="json").json()
    api_b = partner_b.api()
    assert api_b.get("/api/v1/records/A-1").status_code == 404
    assert api_b.get(f"/api/v1/beneficiaries/{created['beneficiary']}").status_code == 404
    assert partner_a.api().get(f"/api/v1/beneficiaries/{created['beneficiary']}").status_code == 200
