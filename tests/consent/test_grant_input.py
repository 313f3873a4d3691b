"""Bad grant bodies: a 4xx problem naming the field, and nothing written."""

import pytest

from consent.models import AccessLog, Grant, GrantEvent

pytestmark = pytest.mark.django_db

VALID = {
    "basis": "consent",
    "purposes": ["food_aid"],
    "categories": ["identity", "contact"],
    "evidence": {"method": "written", "collected_by": "Mme Durand"},
}


def body_with(grantee, **changes):
    body = dict(VALID, grantee=grantee)
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


CASES = [
    ({"basis": "friendship"}, "basis"),
    ({"purposes": ["gossip"]}, "purposes.0"),
    ({"purposes": []}, "purposes"),
    ({"categories": ["shoe_size"]}, "categories.0"),
    ({"categories": "identity"}, "categories"),
    ({"evidence": None}, "evidence.method"),
    ({"evidence": {"method": "telepathy"}}, "evidence.method"),
    ({"evidence": {"method": "oral"}}, "evidence.collected_by"),
    (
        {"categories": ["health"], "evidence": {"method": "oral", "collected_by": "X"}},
        "evidence.method",
    ),
    ({"basis": "public_interest", "categories": ["health"], "legal_reference": "x"}, "categories"),
    ({"basis": "public_interest"}, "legal_reference"),
    ({"basis": "shared_secret"}, "grantee.type"),
    ({"basis": "child_protection"}, "family_information"),
    (
        {"basis": "child_protection", "family_information": "not_informed_child_interest"},
        "family_information_note",
    ),
    ({"family_information": "informed"}, "family_information"),
    (
        {"valid_from": "2030-01-02T00:00:00Z", "valid_until": "2030-01-01T00:00:00Z"},
        "valid_until",
    ),
    ({"valid_until": "2001-01-01T00:00:00Z"}, "valid_until"),
    ({"valid_until": "tomorrow"}, "valid_until"),
    (
        {"basis": "vital_interest", "valid_until": "2099-01-01T00:00:00Z"},
        "valid_until",
    ),
    ({"colour": "blue"}, "colour"),
]


@pytest.mark.parametrize(("changes", "field"), CASES)
def test_bad_grant_body_is_a_problem_naming_the_field_and_writes_nothing(
    person, partner_b, api_a, changes, field
):
    grantee = {"type": "organization", "organization": str(partner_b.organization.pk)}
    before = AccessLog.objects.count()
    response = api_a.post(
        f"/api/v1/beneficiaries/{person}/grants", body_with(grantee, **changes), format="json"
    )
    assert response.status_code in (400, 422), response.content
    assert response["Content-Type"] == "application/problem+json"
    fields = [error["field"] for error in response.json()["errors"]]
    assert field in fields
    assert Grant.objects.count() == 0
    assert GrantEvent.objects.count() == 0
    assert AccessLog.objects.count() == before


@pytest.mark.parametrize(
    ("grantee", "field"),
    [
        ({"type": "organization"}, "grantee.organization"),
        ({"type": "organization", "organization": "not-a-uuid"}, "grantee.organization"),
        (
            {"type": "organization", "organization": "00000000-0000-0000-0000-000000000000"},
            "grantee.organization",
        ),
        ({"type": "group", "group": "00000000-0000-0000-0000-000000000000"}, "grantee.group"),
        ({"type": "kind", "kind": "club"}, "grantee.kind"),
        ({"type": "everyone"}, "grantee.type"),
        ("B", "grantee"),
    ],
)
def test_bad_grantee_is_a_problem_naming_the_field(person, api_a, grantee, field):
    response = api_a.post(
        f"/api/v1/beneficiaries/{person}/grants", body_with(grantee), format="json"
    )
    assert response.status_code in (400, 422), response.content
    assert field in [error["field"] for error in response.json()["errors"]]
    assert Grant.objects.count() == 0


def test_body_that_is_not_an_object_or_not_json_is_a_problem(person, api_a):
    url = f"/api/v1/beneficiaries/{person}/grants"
    assert api_a.post(url, ["x"], format="json").status_code == 400
    response = api_a.post(url, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert Grant.objects.count() == 0


def test_grant_for_an_unknown_person_answers_404(partner_b, api_a):
    response = api_a.post(
        "/api/v1/beneficiaries/00000000-0000-0000-0000-000000000000/grants",
        body_with({"type": "organization", "organization": str(partner_b.organization.pk)}),
        format="json",
    )
    assert response.status_code == 404


def test_bad_withdrawal_reason_names_the_field_and_keeps_the_grant(
    person, partner_b, api_a, grant_consent
):
    grant = grant_consent(person, partner_b.organization)
    response = api_a.post(
        f"/api/v1/grants/{grant['id']}/withdraw", {"reason": ["x"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "reason"
    assert Grant.objects.get(pk=grant["id"]).withdrawn_at is None


def test_read_only_token_cannot_record_a_grant(person, partner_a, partner_b):
    api = partner_a.api("consents:read")
    response = api.post(
        f"/api/v1/beneficiaries/{person}/grants",
        body_with({"type": "organization", "organization": str(partner_b.organization.pk)}),
        format="json",
    )
    assert response.status_code == 403
    assert Grant.objects.count() == 0


def test_shared_secret_grant_opens_the_person_to_every_member_of_the_group(
    person, partner_a, partner_b, partner_c, api_a
):
    from consent.models import CoordinationGroup

    group = CoordinationGroup.objects.create(
        name="Cellule de coordination Lyon 3",
        coordinator_name="Mme Leroy",
        coordinator_organization=partner_a.organization,
    )
    group.members.add(partner_a.organization, partner_b.organization)
    response = api_a.post(
        f"/api/v1/beneficiaries/{person}/grants",
        body_with(
            {"type": "group", "group": str(group.pk)},
            basis="shared_secret",
            categories=["identity", "health"],
            evidence=None,
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["evidence"]["method"] == "legal_text"
    body = partner_b.api().get(f"/api/v1/beneficiaries/{person}").json()
    assert body["categories"] == ["health", "identity"]
    assert partner_c.api().get(f"/api/v1/beneficiaries/{person}").status_code == 404


def test_vital_interest_is_time_limited_and_due_for_review(person, partner_b, api_a, settings):
    settings.CONSENT_VITAL_INTEREST_HOURS = 48
    response = api_a.post(
        f"/api/v1/beneficiaries/{person}/grants",
        body_with(
            {"type": "organization", "organization": str(partner_b.organization.pk)},
            basis="vital_interest",
            purposes=["crisis_plan"],
            evidence=None,
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    grant = Grant.objects.get(pk=response.json()["id"])
    assert (grant.valid_until - grant.valid_from).total_seconds() == 48 * 3600
    assert grant.review_due_at == grant.valid_until


def test_child_protection_records_that_the_family_was_not_informed_and_why(
    person, partner_c, api_a
):
    response = api_a.post(
        f"/api/v1/beneficiaries/{person}/grants",
        body_with(
            {"type": "organization", "organization": str(partner_c.organization.pk)},
            basis="child_protection",
            purposes=["child_protection"],
            evidence=None,
            family_information="not_informed_child_interest",
            family_information_note="Risque de pression sur l'enfant",
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    event = GrantEvent.objects.get()
    assert event.data["family_information"] == "not_informed_child_interest"
    assert event.data["family_information_note"] == "Risque de pression sur l'enfant"
