"""Blocking keys of long values fit the key column: an e-mail address may have 254
characters (the schema allows it), a commune 200; the key column holds 96."""

import importlib
import json

import pytest
from django.apps import apps as django_apps
from django.db import connection

from exchanges import imports
from hub import matching
from hub.matching import blocking
from hub.registry.actors import Actor
from hub.registry.models import BlockSize, PartnerRecord, RecordKey
from tests.factories import record_payload

pytestmark = pytest.mark.django_db

LONG_EMAIL = "jeanne." + "m" * 80 + "@" + "exemple-" * 8 + "fr.fr"


def _email_key(record) -> str:
    (key,) = RecordKey.objects.filter(record=record, key__startswith="em:").values_list(
        "key", flat=True
    )
    return key


def test_the_key_column_holds_the_longest_key():
    assert RecordKey._meta.get_field("key").max_length == matching.KEY_MAX_LENGTH
    assert BlockSize._meta.get_field("key").max_length == matching.KEY_MAX_LENGTH


def test_a_long_email_is_stored_as_a_digest_key_that_the_same_address_meets(partner_a, partner_b):
    payload = record_payload(email=LONG_EMAIL, birth_name="Zaoui", first_names="Line")
    response = partner_a.api().put("/api/v1/records/L-1", payload, format="json")
    assert response.status_code == 201, response.content
    first = PartnerRecord.objects.get(external_id="L-1")
    key = _email_key(first)
    assert key.startswith("em:#") and len(key) <= matching.KEY_MAX_LENGTH
    assert BlockSize.objects.get(key=key).records == 1

    # the same address in another partner's import: the same key, and the two records meet
    row = {"external_id": "L-2", **payload}
    actor = Actor(
        organization_id=partner_b.organization.pk, organization_ids=(partner_b.organization.pk,)
    )
    job = imports.create_job(actor=actor, content=json.dumps(row).encode(), format="ndjson")
    assert imports.run_job(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert (job.rejected, job.linked) == (0, 1)
    second = PartnerRecord.objects.get(external_id="L-2")
    assert _email_key(second) == key
    assert second.beneficiary_id == first.beneficiary_id
    assert BlockSize.objects.get(key=key).records == 2


def test_a_short_key_is_kept_as_it_is():
    prepared = matching.prepare(
        {"id": "x", "birth_name": "Martin", "first_names": "Jeanne", "email": "j@exemple.fr"}
    )
    assert "em:j@exemple.fr" in matching.blocking_keys(prepared)


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL refused such keys: none to migrate"
)
def test_the_migration_fits_the_long_keys_the_embedded_default_holds(partner_a):
    migration = importlib.import_module("hub.registry.migrations.0010_fitted_long_keys")
    response = partner_a.api().put(
        "/api/v1/records/L-1", record_payload(email=LONG_EMAIL), format="json"
    )
    assert response.status_code == 201
    record = PartnerRecord.objects.get(external_id="L-1")
    fitted = _email_key(record)
    long = "em:" + LONG_EMAIL
    RecordKey.objects.filter(record=record, key=fitted).update(key=long)  # as written before
    other = RecordKey.objects.filter(record=record).exclude(key=long).count()

    migration.forwards(django_apps, None)

    assert _email_key(record) == fitted == blocking.fitted_key(long)
    assert RecordKey.objects.filter(record=record).count() == other + 1
    assert not RecordKey.objects.filter(key=long).exists()
    assert BlockSize.objects.get(key=fitted).records == 1
