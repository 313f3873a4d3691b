import pytest

from exchanges.models import Case, OverlapAlert
from hub.outbox.models import Event
from tests.exchanges.conftest import also_known_by, consent_for, person

pytestmark = pytest.mark.django_db


def test_partner_opens_a_case_for_a_person_it_knows(partner_a):
    beneficiary = person(partner_a)
    response = partner_a.api().post(
        "/api/v1/cases",
        {"beneficiary": beneficiary, "type": "food_aid", "referent": "M. Durand"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open"
    assert body["overlap"] == {"exists": False, "disclosed": False}
    assert response["ETag"]
    assert Event.objects.filter(type="case.opened", subject_id=body["id"]).count() == 1
    listed = partner_a.api().get("/api/v1/cases").json()["results"]
    assert [c["id"] for c in listed] == [body["id"]]


def test_case_for_a_person_the_caller_cannot_see_is_refused_like_an_unknown_one(
    partner_a, partner_b
):
    beneficiary = person(partner_a)
    response = partner_b.api().post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
    )
    assert response.status_code in (400, 422)
    assert response.json()["errors"][0]["field"] == "beneficiary"
    unknown = partner_b.api().post(
        "/api/v1/cases",
        {"beneficiary": "00000000-0000-0000-0000-000000000000", "type": "food_aid"},
        format="json",
    )
    assert unknown.json()["errors"] == response.json()["errors"]
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "food_aid"}, "beneficiary"),
        ({"beneficiary": "not-a-uuid", "type": "food_aid"}, "beneficiary"),
        ({"beneficiary": "00000000-0000-0000-0000-000000000000", "type": "yoga"}, "type"),
        (
            {
                "beneficiary": "00000000-0000-0000-0000-000000000000",
                "type": "food_aid",
                "colour": "red",
            },
            "colour",
        ),
        (
            {
                "beneficiary": "00000000-0000-0000-0000-000000000000",
                "type": "food_aid",
                "start_date": "2026-13-01",
            },
            "start_date",
        ),
    ],
)
def test_bad_case_input_names_the_field_and_writes_nothing(partner_a, body, field):
    response = partner_a.api().post("/api/v1/cases", body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Case.objects.count() == 0


def test_end_before_start_is_refused(partner_a):
    beneficiary = person(partner_a)
    response = partner_a.api().post(
        "/api/v1/cases",
        {
            "beneficiary": beneficiary,
            "type": "food_aid",
            "start_date": "2026-05-01",
            "end_date": "2026-04-01",
        },
        format="json",
    )
    assert response.status_code in (400, 422)
    assert response.json()["errors"][0]["field"] == "end_date"


def test_overlap_without_coordination_basis_reveals_only_that_it_exists(partner_a, partner_b):
    beneficiary = person(partner_a)
    also_known_by(partner_b, beneficiary)
    first = partner_b.api().post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
    )
    assert first.json()["overlap"]["exists"] is False
    second = partner_a.api().post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
    )
    overlap = second.json()["overlap"]
    assert overlap["exists"] is True
    assert overlap["disclosed"] is False
    assert "partners" not in overlap
    assert "consent" in overlap["advice"]
    assert partner_b.organization.name not in second.content.decode()
    alerts = OverlapAlert.objects.all()
    assert {a.organization_id for a in alerts} == {
        partner_a.organization.pk,
        partner_b.organization.pk,
    }
    assert not any(a.disclosed for a in alerts)
    assert Event.objects.filter(type="case.overlap_detected").count() == 2


def test_cases_of_different_types_do_not_overlap(partner_a, partner_b):
    beneficiary = person(partner_a)
    also_known_by(partner_b, beneficiary)
    partner_b.api().post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": "domiciliation"}, format="json"
    )
    response = partner_a.api().post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
    )
    assert response.json()["overlap"]["exists"] is False
    assert OverlapAlert.objects.count() == 0


def test_closed_case_elsewhere_is_no_overlap_and_closing_resolves_alerts(partner_a, partner_b):
    beneficiary = person(partner_a)
    also_known_by(partner_b, beneficiary)
    theirs = partner_b.api().post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
    )
    partner_a.api().post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
    )
    closed = partner_b.api().patch(
        f"/api/v1/cases/{theirs.json()['id']}", {"status": "closed"}, format="json"
    )
    assert closed.status_code == 200
    assert closed.json()["end_date"]
    assert not OverlapAlert.objects.filter(resolved_at__isnull=True).exists()
    again = partner_a.api().post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
    )
    assert again.json()["overlap"]["exists"] is False


def test_patch_with_stale_if_match_answers_412_and_changes_nothing(partner_a):
    beneficiary = person(partner_a)
    api = partner_a.api()
    created = api.post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
    )
    url = f"/api/v1/cases/{created.json()['id']}"
    ok = api.patch(url, {"referent": "Mme Petit"}, format="json", HTTP_IF_MATCH=created["ETag"])
    assert ok.status_code == 200
    assert ok["ETag"] != created["ETag"]
    stale = api.patch(url, {"status": "closed"}, format="json", HTTP_IF_MATCH=created["ETag"])
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    assert Case.objects.get().status == "open"


def test_patch_refuses_fields_that_cannot_change(partner_a):
    beneficiary = person(partner_a)
    api = partner_a.api()
    case = api.post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
    ).json()
    response = api.patch(f"/api/v1/cases/{case['id']}", {"type": "housing"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "type"


def test_another_organizations_case_answers_404(partner_a, partner_b):
    beneficiary = person(partner_a)
    case = (
        partner_a.api()
        .post("/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json")
        .json()
    )
    api_b = partner_b.api()
    assert api_b.get(f"/api/v1/cases/{case['id']}").status_code == 404
    patched = api_b.patch(f"/api/v1/cases/{case['id']}", {"status": "closed"}, format="json")
    assert patched.status_code == 404
    assert api_b.get("/api/v1/cases").json()["results"] == []


def test_reading_cases_needs_the_cases_scope(partner_a):
    response = partner_a.api(scope="records:read").get("/api/v1/cases")
    assert response.status_code == 403


def test_overlap_with_coordination_consent_names_the_partner_and_since_when(partner_a, partner_b):
    beneficiary = person(partner_a)
    also_known_by(partner_b, beneficiary)
    theirs = partner_b.api().post(
        "/api/v1/cases",
        {"beneficiary": beneficiary, "type": "food_aid", "start_date": "2026-01-05"},
        format="json",
    )
    assert theirs.status_code == 201
    # B collected the person's consent to share their support history with A.
    consent_for(partner_b, beneficiary, partner_a, ["coordination"], ["support_history"])
    mine = partner_a.api().post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
    )
    overlap = mine.json()["overlap"]
    assert overlap["exists"] is True
    assert overlap["disclosed"] is True
    assert overlap["partners"] == [
        {
            "organization": str(partner_b.organization.pk),
            "name": partner_b.organization.name,
            "since": "2026-01-05",
        }
    ]
    alert_a = OverlapAlert.objects.get(organization=partner_a.organization)
    alert_b = OverlapAlert.objects.get(organization=partner_b.organization)
    assert (alert_a.disclosed, alert_a.basis) == (True, "consent")
    assert alert_b.disclosed is False  # nothing lets B learn about A's support


def test_case_for_a_person_seen_through_consent_only(partner_a, partner_b):
    beneficiary = person(partner_a)
    consent_for(partner_a, beneficiary, partner_b, ["food_aid"], ["identity", "support_history"])
    response = partner_b.api().post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": "food_aid"}, format="json"
    )
    assert response.status_code == 201
    other_purpose = partner_b.api().post(
        "/api/v1/cases", {"beneficiary": beneficiary, "type": "housing"}, format="json"
    )
    assert other_purpose.status_code in (400, 422)
    assert other_purpose.json()["errors"][0]["field"] == "beneficiary"
