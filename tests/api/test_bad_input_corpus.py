"""A corpus of bad inputs: each answers a 4xx problem+json naming the field, and writes nothing.

The issue's hand-written cases (deep nesting, NUL and lone surrogates, blank or invisible
names, control characters, duplicate keys, a case in 9999, repeated ``limit``...) and more, on
every JSON endpoint, the query strings and the headers the API reads.
"""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from consent.models import AccessLog, Grant
from exchanges.models import Case, ImportJob, Referral, WebhookEndpoint
from hub.api.models import IdempotencyKey
from hub.outbox.models import Event
from hub.registry.models import Beneficiary, PartnerRecord
from tests.factories import record_payload

pytestmark = pytest.mark.django_db

UUID = "00000000-0000-4000-8000-000000000001"
RECORD = "/api/v1/records/C-1"
JSON_ENDPOINTS = [
    ("put", RECORD),
    ("post", "/api/v1/match"),
    ("post", "/api/v1/cases"),
    ("patch", f"/api/v1/cases/{UUID}"),
    ("post", "/api/v1/referrals"),
    ("post", f"/api/v1/referrals/{UUID}/accept"),
    ("post", "/api/v1/webhooks"),
    ("post", f"/api/v1/beneficiaries/{UUID}/grants"),
    ("post", f"/api/v1/grants/{UUID}/withdraw"),
]
RECORD_TEXT_FIELDS = ["birth_name", "first_names", "usage_name", "birth_place"]
BAD_CHARACTERS = {
    "nul": "\u0000",
    "lone-surrogate": "\ud800",
    "low-surrogate": "\udfff",
    "bell": "\u0007",
    "escape": "\u001b",
    "delete": "\u007f",
    "next-line-c1": "\u0085",
    "newline": "\n",
    "tab": "\t",
}
NOT_A_NAME = {
    "spaces": "     ",
    "zero-width-spaces": "\u200b\u200b\u200b",
    "zero-width-joiners": "\u200d\u2060",
    "digits": "12345",
    "punctuation": "-- ' --",
    "combining-mark-only": "\u0301\u0301",
    "bom": "\ufeff",
    "nbsp": "\u00a0\u00a0",
}


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def _record_with(field: str, value: str) -> str:
    return json.dumps(record_payload(**{field: value}))


def _cases():
    # 1. Nesting 1,000 levels deep (2 KB) on every JSON endpoint.
    for method, path in JSON_ENDPOINTS:
        yield f"deep-1000-{method}-{path}", method, path, _deep(1000), {}, ""
        yield f"deep-17-object-{method}-{path}", method, path, '{"a":' * 17 + "1" + "}" * 17, {}, ""
    # 2. Duplicate keys, NaN, Infinity, huge numbers, at the top and nested.
    for method, path in JSON_ENDPOINTS[:3]:
        yield (
            f"dup-{path}",
            method,
            path,
            '{"birth_name": "A", "birth_name": "B"}',
            {},
            "birth_name",
        )
        yield f"nan-{path}", method, path, '{"count": NaN}', {}, ""
        yield f"infinity-{path}", method, path, '{"count": -Infinity}', {}, ""
        yield f"1e999-{path}", method, path, '{"count": 1e999}', {}, ""
        yield f"bigint-{path}", method, path, '{"count": ' + "9" * 40 + "}", {}, ""
    yield (
        "dup-nested",
        "put",
        RECORD,
        '{"birth_name": "Martin", "first_names": "J", "birth_date": "1984",'
        ' "address": {"city": "Lyon", "city": "Bron"}}',
        {},
        "city",
    )
    # 3. Bad characters in every text field of a record, and in a match probe.
    for field in [*RECORD_TEXT_FIELDS, "email"]:
        for name, char in BAD_CHARACTERS.items():
            value = f"Mar{char}tin" if field != "email" else f"a{char}b@example.org"
            yield f"{name}-in-{field}", "put", RECORD, _record_with(field, value), {}, field
    for name, char in BAD_CHARACTERS.items():
        for part in ("city", "line"):
            address = record_payload(address={part: f"Ly{char}on"})
            yield f"{name}-in-address.{part}", "put", RECORD, json.dumps(address), {}, part
        probe = json.dumps({"person": record_payload(birth_name=f"Ma{char}rtin")})
        yield f"{name}-in-match", "post", "/api/v1/match", probe, {}, "person.birth_name"
    for name, value in NOT_A_NAME.items():
        probe = json.dumps({"person": record_payload(first_names=value)})
        yield f"{name}-as-match-first_names", "post", "/api/v1/match", probe, {}, "first_names"
    # 4. Names without a letter.
    for field in ("birth_name", "first_names", "usage_name"):
        for name, value in NOT_A_NAME.items():
            yield f"{name}-as-{field}", "put", RECORD, _record_with(field, value), {}, field
    # 5. Dates out of bounds or not dates.
    for value in (
        "0000",
        "0000-01-01",
        "1879-12-31",
        "9999-12-31",
        "1984-02-30",
        "1900-02-29",
        "1984-13",
        "84-03-12",
        "1984/03/12",
        "+1984-03-12",
        "1984-03-12T00:00",
    ):
        yield (
            f"birth_date-{value}",
            "put",
            RECORD,
            _record_with("birth_date", value),
            {},
            "birth_date",
        )
    case = {"beneficiary": UUID, "type": "food_aid"}
    for field in ("start_date", "end_date"):
        for value in (
            "9999-12-31",
            "0001-01-01",
            "1899-12-31",
            "2100-01-01",
            "20260115",
            "2026-W03-4",
            "2026-02-30",
        ):
            body = json.dumps({**case, field: value})
            yield f"case-{field}-{value}", "post", "/api/v1/cases", body, {}, field
    grant = {
        "basis": "consent",
        "grantee": {"type": "kind", "kind": "ccas"},
        "purposes": ["coordination"],
        "categories": ["identity"],
    }
    for value in ("9999-12-31T00:00:00Z", "0001-01-01T00:00:00Z", "2026-01-15", "2026-01-15T10:00"):
        body = json.dumps({**grant, "valid_until": value})
        path = f"/api/v1/beneficiaries/{UUID}/grants"
        yield f"grant-valid_until-{value}", "post", path, body, {}, "valid_until"
    # 6. Text that is not text in the other endpoints' fields.
    for name in ("nul", "lone-surrogate", "bell"):
        char = BAD_CHARACTERS[name]
        yield (
            f"{name}-in-referent",
            "post",
            "/api/v1/cases",
            json.dumps({**case, "referent": f"A{char}B"}),
            {},
            "referent",
        )
        yield (
            f"{name}-in-referral-message",
            "post",
            "/api/v1/referrals",
            json.dumps(
                {
                    "beneficiary": UUID,
                    "receiver": UUID,
                    "case_type": "food_aid",
                    "message": f"x{char}y",
                }
            ),
            {},
            "message",
        )
        yield (
            f"{name}-in-webhook-url",
            "post",
            "/api/v1/webhooks",
            json.dumps({"url": f"https://example.org/{char}"}),
            {},
            "url",
        )
        yield (
            f"{name}-in-key",
            "put",
            RECORD,
            json.dumps({**record_payload(), f"k{char}": 1}),
            {},
            "",
        )
    # 7. Wrong types that DRF would coerce.
    yield (
        "referent-number",
        "post",
        "/api/v1/cases",
        json.dumps({**case, "referent": 0}),
        {},
        "referent",
    )
    yield (
        "event-type-number",
        "post",
        "/api/v1/webhooks",
        json.dumps({"url": "https://example.org/h", "event_types": [1]}),
        {},
        "event_types",
    )
    yield (
        "count-string",
        "post",
        "/api/v1/match",
        json.dumps({"person": record_payload(), "count": "5"}),
        {},
        "count",
    )
    # 8. Headers.
    body = json.dumps(record_payload())
    for value in ("abc def", '"unterminated', '"a" "b"', "," * 3, "x" * 1001):
        yield f"if-match-{value[:12]}", "put", RECORD, body, {"HTTP_IF_MATCH": value}, "If-Match"
    for value in (" ", "é" * 3, "k" * 256):
        headers = {"HTTP_IDEMPOTENCY_KEY": value}
        yield (
            f"idempotency-key-{value[:8]}",
            "post",
            "/api/v1/cases",
            json.dumps(case),
            headers,
            "Idempotency-Key",
        )


CASES = list(_cases())
QUERY_CASES = [
    ("/api/v1/records?limit=10&limit=20", "limit"),
    ("/api/v1/cases?limit=1&limit=1", "limit"),
    ("/api/v1/events?limit=5&limit=6", "limit"),
    ("/api/v1/records?limit=0", "limit"),
    ("/api/v1/records?limit=1001", "limit"),
    ("/api/v1/records?limit=abc", "limit"),
    ("/api/v1/records?limit=-1", "limit"),
    ("/api/v1/records?limit=%D9%A3", "limit"),
    ("/api/v1/events?limit=0", "limit"),
    ("/api/v1/events?limit=1e3", "limit"),
    (f"/api/v1/beneficiaries/{UUID}?purpose=marketing", "purpose"),
    (f"/api/v1/beneficiaries/{UUID}?purpose=", "purpose"),
    (f"/api/v1/beneficiaries/{UUID}?purpose=%00", "purpose"),
    ("/api/v1/referrals?status=%00", "status"),
    ("/api/v1/referrals?status=lost", "status"),
    ("/api/v1/referrals?direction=both", "direction"),
    (f"/api/v1/imports/{UUID}/rows?outcome=%00", "outcome"),
    ("/api/v1/events?cursor=%00", "cursor"),
]


def _counts() -> dict:
    models = (
        PartnerRecord,
        Beneficiary,
        Case,
        Referral,
        WebhookEndpoint,
        Grant,
        ImportJob,
        Event,
        IdempotencyKey,
    )
    counts = {model.__name__: model.objects.count() for model in models}
    counts["writes"] = AccessLog.objects.filter(action="write").count()
    return counts


def _assert_problem(response, field: str) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == response.status_code
    assert {"type", "title", "status", "detail"} <= body.keys()
    fields = [error["field"] for error in body.get("errors", [])]
    assert any(name == field or name.endswith(f".{field}") for name in fields), body
    return body


@pytest.fixture
def api(partner_a):
    return partner_a.api()


def test_the_corpus_is_large():
    assert len(CASES) + len(QUERY_CASES) >= 200


@override_settings(WEBHOOKS_ALLOW_PRIVATE_TARGETS=True)
@pytest.mark.parametrize(
    ("method", "path", "raw", "headers", "field"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_body_answers_4xx_naming_the_field_and_writes_nothing(
    api, method, path, raw, headers, field
):
    before = _counts()
    response = getattr(api, method)(
        path, raw.encode("utf-8", "surrogatepass"), content_type="application/json", **headers
    )
    _assert_problem(response, field)
    assert _counts() == before


@pytest.mark.parametrize(("url", "field"), QUERY_CASES, ids=[case[0] for case in QUERY_CASES])
def test_bad_query_answers_400_naming_the_parameter(api, url, field):
    before = _counts()
    response = api.get(url)
    assert response.status_code == 400, response.content
    _assert_problem(response, field)
    assert _counts() == before


def test_a_good_record_still_passes_and_is_stored_in_nfc(api):
    body = record_payload(birth_name="  Le\u0301a  ", first_names="Jose\u0301")
    response = api.put(RECORD, body, format="json")
    assert response.status_code == 201, response.content
    stored = PartnerRecord.objects.get().payload
    assert stored["birth_name"] == "L\u00e9a"
    assert stored["first_names"] == "Jos\u00e9"
