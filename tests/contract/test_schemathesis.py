"""Property-based run of the whole OpenAPI document: no 5xx, and every answer matches the document.

Schemathesis generates valid and invalid requests for every operation and calls the hub in
process (WSGI) with a real partner token.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import Partner
from tests.factories import record_payload

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def bearer(db):
    token = _token()  # the test client reconnects the signals below after each request
    # The WSGI app is called in process, outside Django's test client: keep the test
    # transaction's connection open across requests, as the test client does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield token
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _token():
    partner = Partner("CCAS Schemathesis")
    api = partner.api()
    assert api.put("/api/v1/records/known-1", record_payload(), format="json").status_code == 201
    return partner.token()


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_answers_every_generated_request_without_server_error(case, bearer):
    response = case.call(headers={"Authorization": f"Bearer {bearer}"})
    case.validate_response(response, checks=CHECKS)
