import threading

import psycopg
import pytest
from django.db import connection
from rest_framework.test import APIClient

from exchanges.models import Case
from hub.api.models import IdempotencyKey
from tests.exchanges.conftest import person

pytestmark = pytest.mark.django_db


def post_case(api, beneficiary, key, **extra):
    body = {"beneficiary": beneficiary, "type": "food_aid", **extra}
    return api.post("/api/v1/cases", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_same_key_and_body_replays_the_first_response(partner_a):
    beneficiary = person(partner_a)
    api = partner_a.api()
    first = post_case(api, beneficiary, "key-1")
    again = post_case(api, beneficiary, "key-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert Case.objects.count() == 1


def test_same_key_with_another_body_answers_422(partner_a):
    beneficiary = person(partner_a)
    api = partner_a.api()
    post_case(api, beneficiary, "key-1")
    other = post_case(api, beneficiary, "key-1", referent="Mme Petit")
    assert other.status_code == 422
    assert other["Content-Type"] == "application/problem+json"
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Case.objects.count() == 1


def test_keys_belong_to_one_client(partner_a, partner_b):
    mine = person(partner_a)
    theirs = person(partner_b)
    assert post_case(partner_a.api(), mine, "shared-key").status_code == 201
    response = post_case(partner_b.api(), theirs, "shared-key")
    assert response.status_code == 201
    assert Case.objects.count() == 2


def test_a_failed_request_stores_nothing_and_may_be_retried_with_the_same_key(partner_a):
    beneficiary = person(partner_a)
    api = partner_a.api()
    bad = post_case(api, beneficiary, "key-1", type="yoga")
    assert bad.status_code == 400
    assert IdempotencyKey.objects.count() == 0
    assert post_case(api, beneficiary, "key-1").status_code == 201


def test_malformed_key_names_the_header(partner_a):
    beneficiary = person(partner_a)
    response = post_case(partner_a.api(), beneficiary, "x" * 300)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Case.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_key_still_in_flight_answers_409(partner_a):
    from hub.api.idempotency import lock_id  # after DRF is loaded (hub.api import cycle)

    beneficiary = person(partner_a)
    api = partner_a.api()
    client_id = partner_a.onboarded.client.pk
    dsn = connection.get_connection_params()
    params = {k: v for k, v in dsn.items() if k in ("host", "port", "user", "password", "dbname")}
    with psycopg.connect(**params, autocommit=True) as other:
        # Another request holding the key: it owns the advisory lock until its commit.
        other.execute("SELECT pg_advisory_lock(%s)", [lock_id(client_id, "busy")])
        response = post_case(api, beneficiary, "busy")
        other.execute("SELECT pg_advisory_unlock(%s)", [lock_id(client_id, "busy")])
    assert response.status_code == 409
    assert response["Retry-After"]
    assert Case.objects.count() == 0
    assert post_case(api, beneficiary, "busy").status_code == 201


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hundred_concurrent_posts_with_one_key_create_one_resource(partner_a):
    beneficiary = person(partner_a)
    token = partner_a.token()
    responses = []
    lock = threading.Lock()
    start = threading.Barrier(100)
    # Each request holds a database connection: stay under the server's max_connections
    # (100 by default, shared with other sessions), so failures are about idempotency only.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int - count(*) FROM pg_stat_activity"
        )
        free = cursor.fetchone()[0]
    in_flight = threading.BoundedSemaphore(max(10, min(100, free - 10)))

    def worker():
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            start.wait()
            with in_flight:
                try:
                    response = post_case(api, beneficiary, "one-key")
                finally:
                    connection.close()
            with lock:
                responses.append(response)
        except BaseException as exc:
            with lock:
                responses.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(responses) == 100
    assert not [r for r in responses if isinstance(r, BaseException)], responses
    assert {r.status_code for r in responses} <= {201, 409}
    created = [r.json()["id"] for r in responses if r.status_code == 201]
    assert len(set(created)) == 1
    assert Case.objects.count() == 1
