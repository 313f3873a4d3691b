"""A chunk's new blocking keys written while the chunk is scored (``hub.registry.bulk``).

The keys of a chunk's new records do not depend on its decisions, so on PostgreSQL they are
sent to the server before the scoring and written by it meanwhile: the key index and the
block-size trigger are the largest single part of a chunk's server time.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

from hub import bulkwrite
from hub.registry.lookups import SEPARATOR, bound_cursor, joined
from hub.registry.models import RecordKey

# The blocking keys of a chunk's new records: the ids and the keys as two text parameters, split
# by the server (as ``chunkreads.chunk_keys``'s); the block-size trigger runs on the statement.
_KEYS_INSERT_SQL = """
INSERT INTO registry_recordkey (record_id, key)
SELECT * FROM unnest(
    string_to_array(%(ids)s, ',')::uuid[], string_to_array(%(keys)s, chr(31))
)
"""


@contextmanager
def keys_written_meanwhile(rows: list[tuple]):
    """Insert the (record id, key) rows of a chunk's new records while the block runs.

    On PostgreSQL the statement is sent at once and waited for at the end of the block (a
    pipeline): the server writes the rows, their indexes and the block sizes while the caller
    scores the chunk. The block must not query the database (a query would wait for the
    insert), and the records may come later in the transaction (the foreign key is checked at
    commit). An error of the insert is raised at the end of the block. Elsewhere the rows are
    inserted at the end of the block."""
    if not rows:
        yield
        return
    if connection.vendor != "postgresql":
        yield
        bulkwrite.insert_values(RecordKey, ["record_id", "key"], rows)
        return
    params = {
        "ids": joined([record_id for record_id, _key in rows]),
        "keys": joined([key for _record_id, key in rows], SEPARATOR),
    }
    with (
        connection.wrap_database_errors,
        bound_cursor() as cursor,
        connection.connection.pipeline(),
    ):
        cursor.execute(_KEYS_INSERT_SQL, params)
        yield
