"""OpenAPI post-processing: every constraint the server applies, examples and links.

* headers: ``Idempotency-Key`` (1 to 255 visible ASCII characters), ``If-Match`` /
  ``If-None-Match`` (``*`` or a list of entity tags);
* path parameters: the referral action as an enum;
* the grantee of a grant as a ``oneOf`` on its ``type`` (the member it needs);
* an example for every operation's body and parameters;
* links between operations (a created resource → its reads and updates), so that a client, or
  a stateful test, can follow the document from one call to the next.
"""

from __future__ import annotations

from hub.api.etags import ETAG_LIST_PATTERN, MAX_HEADER_LENGTH
from hub.api.pagination import CURSOR_PATTERN, LIMIT_SCHEMA

IDEMPOTENCY_KEY_SCHEMA = {
    "type": "string",
    "pattern": "^[!-~]{1,255}$",
    "minLength": 1,
    "maxLength": 255,
    "description": (
        "1 to 255 visible ASCII characters, new for each distinct request (a UUID is fine); "
        "reusing a key with another body answers 422."
    ),
}
ETAG_SCHEMA = {
    "type": "string",
    "pattern": ETAG_LIST_PATTERN,
    "maxLength": MAX_HEADER_LENGTH,
    "description": "'*' or a comma-separated list of entity tags, as returned in ETag.",
    "example": '"3f2b0c8e-5a1d-4b7e-9c2a-6d4e8f1a2b3c-1"',
}
EXAMPLE_UUID = "3f2b0c8e-5a1d-4b7e-9c2a-6d4e8f1a2b3c"
EXAMPLE_RECORD = {
    "birth_name": "Martin",
    "first_names": "Jeanne Marie",
    "birth_date": "1984-03-12",
    "sex": "F",
    "address": {"line": "3 rue de la Paix", "postcode": "69003", "city": "Lyon"},
}
BODY_EXAMPLES = {
    "records_put": EXAMPLE_RECORD,
    "match": {"person": EXAMPLE_RECORD, "count": 5},
    "cases_create": {"beneficiary": EXAMPLE_UUID, "type": "food_aid", "start_date": "2026-01-15"},
    "cases_partial_update": {"status": "closed", "end_date": "2026-06-30"},
    "referrals_create": {
        "beneficiary": EXAMPLE_UUID,
        "receiver": EXAMPLE_UUID,
        "case_type": "emergency_shelter",
        "message": "Hébergement d'urgence demandé.",
    },
    "referrals_transition": {"comment": "Prise en charge confirmée."},
    "webhooks_create": {"url": "https://partner.example/hooks/passerelle", "event_types": []},
    "beneficiary_grants_create": {
        "basis": "consent",
        "grantee": {"type": "organization", "organization": EXAMPLE_UUID},
        "purposes": ["coordination"],
        "categories": ["identity"],
        "evidence": {"method": "written", "collected_by": "A. Dupont"},
    },
    "grants_withdraw": {"reason": "Withdrawn at the person's request."},
}
NDJSON_EXAMPLE = (
    '{"external_id": "R-1", "birth_name": "Martin", "first_names": "Jeanne", '
    '"birth_date": "1984-03-12"}\n'
)
CSV_EXAMPLE = "external_id,birth_name,first_names,birth_date\nR-1,Martin,Jeanne,1984-03-12\n"


def _link(operation_id: str, description: str, **parameters) -> dict:
    return {"operationId": operation_id, "description": description, "parameters": parameters}


_BY_ID = "$response.body#/id"
#: (operation, response status) → links from its response.
LINKS = {
    ("records_put", "201"): {
        "GetRecord": _link(
            "records_retrieve", "The record", external_id="$request.path.external_id"
        ),
        "GetBeneficiary": _link(
            "beneficiaries_retrieve",
            "Its golden record",
            beneficiary_id="$response.body#/beneficiary",
        ),
        "ListGrants": _link(
            "beneficiary_grants_list", "Its grants", beneficiary_id="$response.body#/beneficiary"
        ),
        "CreateGrant": _link(
            "beneficiary_grants_create",
            "Record a grant about the person",
            beneficiary_id="$response.body#/beneficiary",
        ),
    },
    ("records_list", "200"): {
        "GetRecord": _link(
            "records_retrieve",
            "The first record",
            external_id="$response.body#/results/0/external_id",
        ),
    },
    ("match", "200"): {
        "GetBeneficiary": _link(
            "beneficiaries_retrieve",
            "The first candidate",
            beneficiary_id="$response.body#/candidates/0/beneficiary",
        ),
    },
    ("cases_create", "201"): {
        "GetCase": _link("cases_retrieve", "The case", case_id=_BY_ID),
        "UpdateCase": _link("cases_partial_update", "Update the case", case_id=_BY_ID),
    },
    ("cases_list", "200"): {
        "GetCase": _link(
            "cases_retrieve", "The first case", case_id="$response.body#/results/0/id"
        ),
    },
    ("referrals_create", "201"): {
        "GetReferral": _link("referrals_retrieve", "The referral", referral_id=_BY_ID),
        "CancelReferral": _link(
            "referrals_transition", "Cancel it", referral_id=_BY_ID, action="cancel"
        ),
    },
    ("referrals_list", "200"): {
        "GetReferral": _link(
            "referrals_retrieve", "The first referral", referral_id="$response.body#/results/0/id"
        ),
    },
    ("webhooks_create", "201"): {
        "GetWebhook": _link("webhooks_retrieve", "The endpoint", endpoint_id=_BY_ID),
        "RotateSecret": _link("webhooks_rotate", "Rotate its secret", endpoint_id=_BY_ID),
        "DeleteWebhook": _link("webhooks_destroy", "Delete it", endpoint_id=_BY_ID),
    },
    ("webhooks_list", "200"): {
        "GetWebhook": _link(
            "webhooks_retrieve", "The first endpoint", endpoint_id="$response.body#/results/0/id"
        ),
    },
    ("imports_create", "202"): {
        "GetImport": _link("imports_retrieve", "The job's progress", job_id=_BY_ID),
        "ListRows": _link("imports_rows_list", "Its per-row report", job_id=_BY_ID),
    },
    ("beneficiary_grants_create", "201"): {
        "GetReceipt": _link("grants_receipt", "The consent receipt", grant_id=_BY_ID),
        "Withdraw": _link("grants_withdraw", "Withdraw the grant", grant_id=_BY_ID),
    },
    ("beneficiary_grants_list", "200"): {
        "GetReceipt": _link(
            "grants_receipt", "The first grant's receipt", grant_id="$response.body#/results/0/id"
        ),
    },
}
LINKS[("records_put", "200")] = LINKS[("records_put", "201")]


def _grantee_one_of(components: dict) -> None:
    grantee = components.get("GranteeInputRequest")
    if not grantee:
        return
    props = grantee["properties"]
    branches = []
    for kind, member in (("organization", "organization"), ("group", "group"), ("kind", "kind")):
        branches.append(
            {
                "type": "object",
                "required": ["type", member],
                "properties": {"type": {"const": kind}, member: props[member]},
            }
        )
    grantee["oneOf"] = branches
    grantee["description"] = (
        "Who may see the data: an organization, a coordination group, or every organization "
        "of a kind; `type` names which, and that member is required."
    )


def _parameters(operation: dict) -> None:
    for parameter in operation.get("parameters", []):
        name = parameter.get("name")
        if name == "Idempotency-Key":
            parameter["schema"] = dict(IDEMPOTENCY_KEY_SCHEMA)
        elif name in ("If-Match", "If-None-Match"):
            parameter["schema"] = dict(ETAG_SCHEMA)
        elif name == "limit" and parameter.get("in") == "query":
            parameter["schema"] = {**LIMIT_SCHEMA, **parameter.get("schema", {}), **LIMIT_SCHEMA}
        elif name == "cursor" and parameter.get("in") == "query":
            parameter["schema"] = {"type": "string", "pattern": CURSOR_PATTERN}
        elif name == "action" and parameter.get("in") == "path":
            parameter["schema"] = {
                "type": "string",
                "enum": ["accept", "decline", "complete", "cancel"],
            }
        schema = parameter.get("schema", {})
        if "example" not in parameter and name != "Idempotency-Key":
            if schema.get("format") == "uuid" or name == "referral_id":
                parameter["example"] = EXAMPLE_UUID
            elif name == "external_id":
                parameter["example"] = "CCAS-00042"
            elif "enum" in schema:
                parameter["example"] = schema["enum"][0]
            elif name == "limit":
                parameter["example"] = 50
            elif "example" in schema:
                parameter["example"] = schema["example"]


def _body_example(operation: dict) -> None:
    body = operation.get("requestBody", {}).get("content", {})
    example = BODY_EXAMPLES.get(operation.get("operationId"))
    if example is not None and "application/json" in body:
        body["application/json"]["example"] = example
    if operation.get("operationId") == "imports_create":
        operation["requestBody"]["required"] = True
        for media_type, text in (
            ("application/x-ndjson", NDJSON_EXAMPLE),
            ("text/csv", CSV_EXAMPLE),
        ):
            if media_type in body:
                body[media_type]["schema"] = {"type": "string", "minLength": 1}
                body[media_type]["example"] = text


def _paginated_grants(result: dict) -> None:
    """The grants of a person are paginated like every list (the view pages by hand)."""
    operation = result["paths"].get("/api/v1/beneficiaries/{beneficiary_id}/grants", {}).get("get")
    if not operation:
        return
    content = operation["responses"]["200"]["content"]["application/json"]
    content["schema"] = {
        "type": "object",
        "required": ["results", "next"],
        "properties": {
            "results": content["schema"],
            "next": {"type": ["string", "null"], "format": "uri"},
        },
    }
    operation.setdefault("parameters", []).extend(
        [
            {"in": "query", "name": "cursor", "schema": {"type": "string"}},
            {"in": "query", "name": "limit", "schema": dict(LIMIT_SCHEMA)},
        ]
    )


def declare_contract(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    _grantee_one_of(components)
    _paginated_grants(result)
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            _parameters(operation)
            _body_example(operation)
            for (operation_id, status), links in LINKS.items():
                if operation.get("operationId") != operation_id:
                    continue
                response = operation.get("responses", {}).get(status)
                if response is not None:
                    response["links"] = links
    return result
