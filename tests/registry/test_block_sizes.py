"""Block sizes: the table intake reads instead of counting a block is kept by the database,
in the writing transaction, whatever writes the keys (intake, updates, bulk inserts, deletes,
cascades, key updates)."""

import pytest
from django.db import transaction
from django.db.models import Count

from hub.registry.models import BlockSize, PartnerRecord, RecordKey
from tests.factories import record_payload, records_like

pytestmark = pytest.mark.django_db


def _counted() -> dict:
    return dict(RecordKey.objects.values("key").annotate(n=Count("id")).values_list("key", "n"))


def _kept() -> dict:
    return dict(BlockSize.objects.values_list("key", "records"))


def _put(partner, external_id, **fields):
    response = partner.api().put(
        f"/api/v1/records/{external_id}", record_payload(**fields), format="json"
    )
    assert response.status_code in (200, 201), response.content


def test_block_sizes_follow_intake_updates_and_deletions(partner_a, partner_b):
    _put(partner_a, "A-1")
    _put(partner_b, "B-1")  # the same person: every key held twice
    _put(partner_a, "A-2", first_names="Paul", birth_name="DURAND", birth_date="1950-02-03")
    assert _kept() == _counted()
    assert max(_kept().values()) == 2
    _put(partner_a, "A-1", birth_date="1977-11-30", phone="0612345678")  # keys change
    assert _kept() == _counted()
    RecordKey.objects.filter(record__external_id="A-2").delete()  # as an erasure does
    assert _kept() == _counted()
    assert not BlockSize.objects.exclude(key__in=RecordKey.objects.values("key")).exists()


def test_block_sizes_follow_bulk_writes_and_key_updates(partner_a):
    _put(partner_a, "A-1")
    record = PartnerRecord.objects.get(external_id="A-1")
    others = records_like(record, 5)
    RecordKey.objects.bulk_create(
        [RecordKey(record=r, key=k) for r in others for k in ("zz:shared", f"zz:{r.pk}")]
    )
    assert _kept()["zz:shared"] == 5
    assert _kept() == _counted()
    RecordKey.objects.filter(key="zz:shared", record__in=others[:2]).update(key="zz:moved")
    assert (_kept()["zz:shared"], _kept()["zz:moved"]) == (3, 2)
    assert _kept() == _counted()
    RecordKey.objects.filter(key__startswith="zz:").delete()
    assert not BlockSize.objects.filter(key__startswith="zz:").exists()
    assert _kept() == _counted()


def test_block_sizes_roll_back_with_the_write(partner_a):
    _put(partner_a, "A-1")
    before = _kept()
    record = PartnerRecord.objects.get(external_id="A-1")
    with transaction.atomic():
        RecordKey.objects.create(record=record, key="zz:rolled-back")
        RecordKey.objects.filter(record=record).exclude(key="zz:rolled-back").delete()
        assert _kept() == {"zz:rolled-back": 1}
        transaction.set_rollback(True)
    assert _kept() == before == _counted()


@pytest.mark.parametrize(
    "tampering",
    # A missing size is refused on PostgreSQL only: on SQLite, Django's flush between
    # transactional tests deletes the sizes before the keys, one table at a time.
    ["zeroed", pytest.param("removed", marks=pytest.mark.postgres)],
)
def test_a_size_out_of_step_with_the_keys_is_refused(partner_a, tampering):
    """The count cannot drift silently: removing a key whose size is zero (or, on PostgreSQL,
    missing) fails."""
    from django.db import IntegrityError

    _put(partner_a, "A-1")
    key = RecordKey.objects.values_list("key", flat=True).first()
    size = BlockSize.objects.filter(key=key)
    if tampering == "zeroed":
        size.update(records=0)
    else:
        size.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordKey.objects.filter(key=key).delete()
