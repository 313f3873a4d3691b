"""The embedded default's SQLite file in write-ahead-log mode: a request reading the registry
does not stop an import (or any writer) from committing."""

from tests.embedded import embedded_env, manage

# Run by ``manage.py shell`` on the embedded default: another process's read transaction
# stays open (as a request's does, ATOMIC_REQUESTS) while the hub's own connection writes and
# commits. With a rollback journal the commit would wait for the reader and fail.
SCRIPT = """
import sqlite3
from django.conf import settings
from django.db import connection, transaction

path = settings.DATABASES["default"]["NAME"]
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    mode = cursor.fetchone()[0]
    cursor.execute("PRAGMA synchronous")
    synchronous = cursor.fetchone()[0]
    cursor.execute("CREATE TABLE probe (n INTEGER)")
    cursor.execute("INSERT INTO probe VALUES (1)")
reader = sqlite3.connect(path, isolation_level=None, timeout=0)
reader.execute("BEGIN")
before = reader.execute("SELECT count(*) FROM probe").fetchone()[0]
with connection.cursor() as cursor:
    cursor.execute("PRAGMA busy_timeout = 300")
with transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO probe SELECT n + 1 FROM probe")
still = reader.execute("SELECT count(*) FROM probe").fetchone()[0]
reader.execute("COMMIT")
after = reader.execute("SELECT count(*) FROM probe").fetchone()[0]
print(mode, synchronous, before, still, after)
"""


def test_a_reader_does_not_block_a_commit_on_the_embedded_default(tmp_path):
    done = manage("shell", "-c", SCRIPT, env=embedded_env(tmp_path))
    assert done.returncode == 0, done.stderr
    mode, synchronous, before, still, after = done.stdout.splitlines()[-1].split()
    assert mode == "wal"
    assert synchronous == "2", "FULL: a committed transaction survives a power loss"
    # The reader keeps its snapshot while the writer commits, then sees the commit.
    assert (before, still, after) == ("1", "1", "2")
