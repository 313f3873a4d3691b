"""Bring every record's blocking keys up to date after the key families change.

``RecordKey`` holds the keys a record had when it was written. When ``hub.matching``'s
families change (migration 0009 added the refined families), the stored keys of older
records are rewritten here, a chunk of records at a time, in primary-key order: one
transaction a chunk, the block-size rows of the changed keys locked first in sorted order (as
``intake.index_record`` does), so that it can run while partners write. Idempotent: a record
whose keys are current is not touched.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from hub import matching
from hub.registry import lookups
from hub.registry.intake import candidate_features

CHUNK = 1000


def reindex(
    records=None, keys=None, chunk: int = CHUNK, progress: Callable[[int, int], None] | None = None
) -> tuple[int, int]:
    """Rewrite the keys that differ from ``blocking_keys``; ``(keys added, keys removed)``.

    ``records`` and ``keys`` are the ``PartnerRecord`` and ``RecordKey`` models (a migration
    passes its historical ones); ``progress(records done, keys changed)`` after each chunk."""
    if records is None or keys is None:
        from hub.registry.models import PartnerRecord, RecordKey

        records, keys = PartnerRecord, RecordKey
    added = removed = done = 0
    last = None
    while True:
        page = records.objects.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(
            page.values_list("pk", "payload", "nir_hash", "match_features", "version")[:chunk]
        )
        if not rows:
            return added, removed
        last = rows[-1][0]
        wanted = {
            pk: set(matching.blocking_keys(candidate_features(pk, payload, nir, features, v)))
            for pk, payload, nir, features, v in rows
        }
        held: dict = {pk: set() for pk in wanted}
        for pk, key in keys.objects.filter(record_id__in=list(wanted)).values_list(
            "record_id", "key"
        ):
            held[pk].add(key)
        new = [(pk, k) for pk, ks in wanted.items() for k in sorted(ks - held[pk])]
        gone = {pk: held[pk] - ks for pk, ks in wanted.items() if held[pk] - ks}
        if new or gone:
            with transaction.atomic():
                lookups.lock_block_sizes(sorted({k for _, k in new}.union(*gone.values())))
                for pk, ks in gone.items():
                    keys.objects.filter(record_id=pk, key__in=ks).delete()
                keys.objects.bulk_create([keys(record_id=pk, key=k) for pk, k in new], 2000)
        added += len(new)
        removed += sum(len(ks) for ks in gone.values())
        done += len(rows)
        if progress:
            progress(done, added + removed)
