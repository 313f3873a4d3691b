"""Races on one new record are resolved by the database; an unavailable database answers 503."""

from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager

import pytest
from django.db import OperationalError, close_old_connections, connection
from rest_framework.test import APIClient

from consent.models import AccessLog
from hub.outbox.models import Event
from hub.registry.models import Beneficiary, PartnerRecord
from tests.factories import record_payload


def _concurrent_puts(token: str, headers: dict, n: int = 20) -> list:
    barrier = threading.Barrier(n)
    answers: list = []

    def worker():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            barrier.wait()
            response = client.put(
                "/api/v1/records/RACE-1", record_payload(), format="json", **headers
            )
            answers.append((response.status_code, response["Content-Type"], response.content))
        except Exception as exc:  # reported by the assertion below
            answers.append((repr(exc), "", b""))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    return answers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("headers", "allowed"),
    [({}, {200, 201}), ({"HTTP_IF_NONE_MATCH": "*"}, {201, 412})],
    ids=["plain", "if-none-match"],
)
def test_twenty_simultaneous_puts_of_one_new_record_never_answer_5xx(partner_a, headers, allowed):
    answers = _concurrent_puts(partner_a.token(), headers)
    statuses = Counter(status for status, _, _ in answers)
    assert set(statuses) <= allowed, answers
    assert statuses[201] == 1, statuses
    for status, content_type, _ in answers:
        if status == 412:
            assert content_type == "application/problem+json"
    assert PartnerRecord.objects.filter(external_id="RACE-1").count() == 1
    assert Beneficiary.objects.count() == 1
    assert Event.objects.filter(type="record.upserted").count() == 1


@contextmanager
def _database_unavailable():
    """PostgreSQL: the connection points at a closed port. SQLite: every statement meets the
    error SQLite gives when the file stays locked past the timeout."""
    if connection.vendor == "postgresql":
        saved = dict(connection.settings_dict)
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT="9")
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)
        return

    def locked(execute, sql, params, many, context):
        raise OperationalError("database is locked")

    with connection.execute_wrapper(locked):
        yield


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("put", "/api/v1/records/DOWN-1", record_payload()),
        ("get", "/api/v1/records", None),
        ("post", "/api/v1/cases", {"beneficiary": "00000000-0000-0000-0000-000000000000"}),
    ],
    ids=["put-record", "list-records", "post-case"],
)
def test_database_unavailable_answers_503_with_retry_after(partner_a, method, path, body):
    token = partner_a.token()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    with _database_unavailable():
        kwargs = {"format": "json"} if body is not None else {}
        response = getattr(client, method)(path, body, **kwargs)
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) >= 1
    problem = response.json()
    assert problem["status"] == 503
    assert problem["title"] == "Service unavailable"
    assert not PartnerRecord.objects.exists()
    assert not AccessLog.objects.filter(action="write").exists()


@pytest.mark.django_db(transaction=True)
def test_token_endpoint_answers_503_when_the_database_is_unavailable(partner_a):
    client = APIClient()
    with _database_unavailable():
        response = client.post(
            "/o/token/",
            {"grant_type": "client_credentials"},
            HTTP_AUTHORIZATION=partner_a.basic_authorization(),
        )
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) >= 1
