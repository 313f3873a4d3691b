"""``keywrite.keys_written_meanwhile``: a chunk's new keys are written while its rows are
scored (on PostgreSQL the statement is sent before the block and waited for after it), and an
error of that write is raised at the end of the block, so the chunk fails as a whole."""

import uuid

import pytest
from django.db import IntegrityError, transaction

from hub.registry import keywrite
from hub.registry.models import Beneficiary, BlockSize, PartnerRecord, RecordKey

pytestmark = pytest.mark.django_db


def _record(organization) -> PartnerRecord:
    return PartnerRecord.objects.create(
        organization=organization,
        external_id=f"K-{uuid.uuid4().hex[:8]}",
        beneficiary=Beneficiary.objects.create(),
        payload={},
    )


def test_the_keys_are_written_by_the_end_of_the_block_with_their_block_sizes(partner_a):
    first, second = _record(partner_a.organization), _record(partner_a.organization)
    ran = []
    with transaction.atomic():
        with keywrite.keys_written_meanwhile(
            [(first.pk, "pn:MRT:1984"), (second.pk, "pn:MRT:1984"), (second.pk, "tel:0601")]
        ):
            ran.append(True)  # the caller's work, no query
        assert sorted(RecordKey.objects.values_list("record_id", "key")) == sorted(
            [(first.pk, "pn:MRT:1984"), (second.pk, "pn:MRT:1984"), (second.pk, "tel:0601")]
        )
        assert dict(BlockSize.objects.values_list("key", "records")) == {
            "pn:MRT:1984": 2,
            "tel:0601": 1,
        }
    assert ran == [True]


def test_an_error_of_the_write_is_raised_at_the_end_of_the_block_and_nothing_stays(partner_a):
    record = _record(partner_a.organization)
    ran = []
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        keywrite.keys_written_meanwhile([(record.pk, "pn:X:1"), (record.pk, "pn:X:1")]),
    ):
        ran.append(True)
    assert ran == [True]
    assert not RecordKey.objects.exists()
    assert not BlockSize.objects.exists()
