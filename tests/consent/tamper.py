"""Simulate an attacker with database rights, and append access-log rows to tamper with
(tests only)."""

import contextlib

from django.db import connection, transaction

from consent.audit import log_access
from consent.models import AccessLog
from consent.seal import seal_pending
from hub.registry.actors import Actor


@contextlib.contextmanager
def attacker(*tables):
    """Raw SQL with the append-only triggers switched off, as someone with DB rights could."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Deferred foreign-key checks must fire before the table can be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    with connection.cursor() as cursor:
        yield cursor
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


ACTOR = Actor(organization_id=None, organization_ids=())


def append_rows(count: int) -> None:
    with transaction.atomic():
        for index in range(count):
            log_access(
                actor=ACTOR,
                action="read",
                resource="beneficiary",
                decision="allow",
                purpose=f"p{index}",
                request_id=f"r{index}",
            )


def write_rows(count: int) -> list[int]:
    """Append rows, let the sequencer seal them (as it does within a second); ids by position."""
    append_rows(count)
    assert seal_pending() == count
    return list(AccessLog.objects.order_by("seq").values_list("id", flat=True))[-count:]
