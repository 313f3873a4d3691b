"""The OpenAPI document: valid, stable, and one source of truth with the published schemas."""

import json

import pytest
from rest_framework.test import APIClient

import schemas
from hub.api.openapi import json_schema_component

pytestmark = pytest.mark.django_db


def _openapi() -> dict:
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_openapi_record_body_is_the_published_json_schema():
    document = _openapi()
    put = document["paths"]["/api/v1/records/{external_id}"]["put"]
    ref = put["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert component == json_schema_component("beneficiary-record", 1)
    assert (
        component["properties"].keys() == schemas.load("beneficiary-record", 1)["properties"].keys()
    )


def test_every_operation_documents_problem_responses_and_a_scope():
    document = _openapi()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "put", "post", "patch", "delete"}:
                continue
            assert "401" in operation["responses"], (method, path)
            assert "application/problem+json" in operation["responses"]["404"]["content"]


def test_published_schemas_are_served_and_listed():
    client = APIClient()
    index = client.get("/schemas/").json()
    names = {(s["name"], s["version"]) for s in index["schemas"]}
    assert ("beneficiary-record", 1) in names
    served = client.get("/schemas/beneficiary-record.v1.json")
    assert served.status_code == 200
    assert json.loads(b"".join(served.streaming_content)) == schemas.load("beneficiary-record", 1)
    missing = client.get("/schemas/beneficiary-record.v9.json")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "example",
    json.loads((schemas.SCHEMA_DIR / "examples" / "beneficiary-record.v1.valid.json").read_text()),
)
def test_valid_examples_validate(example):
    assert schemas.validate("beneficiary-record", 1, example) == []


@pytest.mark.parametrize(
    "case",
    json.loads(
        (schemas.SCHEMA_DIR / "examples" / "beneficiary-record.v1.invalid.json").read_text()
    ),
    ids=lambda c: c["case"],
)
def test_invalid_examples_name_their_field(case):
    errors = schemas.validate("beneficiary-record", 1, case["body"])
    assert case["field"] in {e["field"] for e in errors}


def test_match_request_reuses_the_record_schema_component():
    document = _openapi()
    post = document["paths"]["/api/v1/match"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert component["properties"]["person"] == {"$ref": "#/components/schemas/BeneficiaryRecordV1"}
    assert document["components"]["schemas"]["BeneficiaryRecordV1"] == json_schema_component(
        "beneficiary-record", 1
    )
