"""``manage.py reindex_keys``: records written before a change of the key families get the
keys intake would give them now (and lose those it no longer gives); block sizes follow."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from hub import matching
from hub.registry.intake import prepared_for
from hub.registry.models import BlockSize, PartnerRecord, RecordKey
from tests.factories import record_payload

pytestmark = pytest.mark.django_db


def _put(partner, external_id, **fields):
    response = partner.api().put(
        f"/api/v1/records/{external_id}", record_payload(**fields), format="json"
    )
    assert response.status_code in (200, 201), response.content


def _keys(record) -> set:
    return set(RecordKey.objects.filter(record=record).values_list("key", flat=True))


def _expected(record) -> set:
    return set(matching.blocking_keys(prepared_for(record.pk, record.payload, record.nir_hash)))


def test_reindex_keys_brings_older_records_up_to_date(partner_a, partner_b):
    _put(partner_a, "A-1")
    _put(partner_b, "B-1", first_names="Paul", birth_name="DURAND", birth_date="1950-02-03")
    records = list(PartnerRecord.objects.order_by("external_id"))
    # as written before the refined families: without their keys, with a key now retired
    RecordKey.objects.filter(key__regex=r"^(ffy|ffm|ffs|pni|spi|fps):").delete()
    RecordKey.objects.create(record=records[0], key="old:retired")
    assert all(_keys(r) != _expected(r) for r in records)

    out = io.StringIO()
    call_command("reindex_keys", "--chunk", "1", stdout=out)

    assert all(_keys(r) == _expected(r) for r in records)
    assert any(k.startswith("ffy:") for k in _keys(records[0]))
    counted = dict(RecordKey.objects.values("key").annotate(n=Count("id")).values_list("key", "n"))
    assert dict(BlockSize.objects.values_list("key", "records")) == counted
    assert "old:retired" not in counted
    assert "ajoutées, 1 retirées" in out.getvalue()

    again = io.StringIO()
    call_command("reindex_keys", stdout=again)
    assert "0 ajoutées, 0 retirées" in again.getvalue()
