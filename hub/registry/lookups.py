"""The look-ups of set-wise intake (``hub.registry.bulk``): block sizes, the records of the
blocks, the candidates' stored features. One statement each on PostgreSQL (an array
parameter), batches of ids elsewhere."""

from __future__ import annotations

import uuid

from django.db import connection
from django.db.models import Count

from hub.registry.models import PartnerRecord, RecordKey

IN_BATCH = 2000  # ids per IN (...) list: well below SQLite's variable limit


def batches(items: list, size: int = IN_BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def large_blocks(keys: list[str], floor: int):
    """(key, records holding it) of the keys held by more than ``floor`` records."""
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT key, count(*) FROM registry_recordkey WHERE key = ANY(%s) "
                "GROUP BY key HAVING count(*) > %s",
                [keys, floor],
            )
            return cursor.fetchall()
    out = []
    for batch in batches(keys):
        out.extend(
            RecordKey.objects.filter(key__in=batch)
            .values("key")
            .annotate(n=Count("id"))
            .filter(n__gt=floor)
            .values_list("key", "n")
        )
    return out


def key_rows(keys: list[str]):
    """(key, record id) of every record holding one of ``keys``."""
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT key, record_id FROM registry_recordkey WHERE key = ANY(%s)", [keys]
            )
            return cursor.fetchall()
    out = []
    with connection.cursor() as cursor:
        for batch in batches(keys):
            cursor.execute(
                "SELECT key, record_id FROM registry_recordkey WHERE key IN ({})".format(  # noqa: S608
                    ", ".join(["%s"] * len(batch))
                ),
                batch,
            )
            out.extend((key, uuid.UUID(record_id)) for key, record_id in cursor.fetchall())
    return out


def candidate_rows(record_ids: list):
    """(id, match features, version, beneficiary id, its merged_into) of each record."""
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.id, r.match_features, r.version, r.beneficiary_id, b.merged_into_id "
                "FROM registry_partnerrecord r "
                "JOIN registry_beneficiary b ON b.id = r.beneficiary_id "
                "WHERE r.id = ANY(%s::uuid[])",
                [record_ids],
            )
            return cursor.fetchall()
    out = []
    for batch in batches(record_ids):
        out.extend(
            PartnerRecord.objects.filter(pk__in=batch).values_list(
                "id", "match_features", "version", "beneficiary_id", "beneficiary__merged_into_id"
            )
        )
    return out
