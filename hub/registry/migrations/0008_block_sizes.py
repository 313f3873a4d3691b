"""Block sizes (``BlockSize``): the number of records holding each blocking key, kept by
triggers on ``registry_recordkey`` in the writing transaction, so that intake reads the size
of a block instead of counting it. The key look-up index becomes (key, record_id), which the
candidate look-up reads alone (an index-only scan on PostgreSQL, a covering index on SQLite).

PostgreSQL: statement-level triggers with transition tables apply one delta per key and
statement (a bulk insert or a ``COPY`` of a chunk costs one grouped upsert, not a trigger call
per row), the keys taken in sorted order so that concurrent writers cannot deadlock on them.
SQLite: row-level triggers do the same, one row at a time (without the check that a removed
key had a size: see ``_SQLITE_REMOVE``).
"""

from django.db import migrations, models

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION registry_blocksize_apply() RETURNS trigger AS $$
DECLARE
    changed bigint;
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM 1 FROM registry_blocksize
            WHERE key IN (SELECT key FROM removed) ORDER BY key FOR UPDATE;
        UPDATE registry_blocksize AS b SET records = b.records - r.n
            FROM (SELECT key, count(*) AS n FROM removed GROUP BY key) AS r
            WHERE b.key = r.key;
        GET DIAGNOSTICS changed = ROW_COUNT;
        IF changed <> (SELECT count(DISTINCT key) FROM removed) THEN
            RAISE EXCEPTION 'registry_blocksize: a removed key had no size'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        DELETE FROM registry_blocksize
            WHERE key IN (SELECT key FROM removed) AND records = 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO registry_blocksize AS b (key, records)
            SELECT key, count(*) FROM added GROUP BY key ORDER BY key
        ON CONFLICT (key) DO UPDATE SET records = b.records + EXCLUDED.records;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION registry_blocksize_clear() RETURNS trigger AS $$
BEGIN
    DELETE FROM registry_blocksize;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

PG_TRIGGERS = [
    "CREATE TRIGGER registry_recordkey_sizes_insert AFTER INSERT ON registry_recordkey "
    "REFERENCING NEW TABLE AS added "
    "FOR EACH STATEMENT EXECUTE FUNCTION registry_blocksize_apply()",
    "CREATE TRIGGER registry_recordkey_sizes_delete AFTER DELETE ON registry_recordkey "
    "REFERENCING OLD TABLE AS removed "
    "FOR EACH STATEMENT EXECUTE FUNCTION registry_blocksize_apply()",
    "CREATE TRIGGER registry_recordkey_sizes_update AFTER UPDATE ON registry_recordkey "
    "REFERENCING OLD TABLE AS removed NEW TABLE AS added "
    "FOR EACH STATEMENT EXECUTE FUNCTION registry_blocksize_apply()",
    "CREATE TRIGGER registry_recordkey_sizes_truncate AFTER TRUNCATE ON registry_recordkey "
    "FOR EACH STATEMENT EXECUTE FUNCTION registry_blocksize_clear()",
]

_SQLITE_ADD = (
    "INSERT INTO registry_blocksize (key, records) VALUES (NEW.key, 1) "
    "ON CONFLICT (key) DO UPDATE SET records = records + 1;"
)
# No check that the key had a size here: Django empties the tables one DELETE at a time (a
# flush, between transactional tests), the sizes before the keys; PostgreSQL's flush is a
# TRUNCATE, which clears the sizes with the keys (the statement trigger keeps its check).
_SQLITE_REMOVE = (
    "UPDATE registry_blocksize SET records = records - 1 WHERE key = OLD.key; "
    "DELETE FROM registry_blocksize WHERE key = OLD.key AND records = 0;"
)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER registry_recordkey_sizes_insert AFTER INSERT ON registry_recordkey "
    f"BEGIN {_SQLITE_ADD} END",
    "CREATE TRIGGER registry_recordkey_sizes_delete AFTER DELETE ON registry_recordkey "
    f"BEGIN {_SQLITE_REMOVE} END",
    "CREATE TRIGGER registry_recordkey_sizes_update AFTER UPDATE OF key ON registry_recordkey "
    f"WHEN OLD.key <> NEW.key BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END",
]

TRIGGERS = [
    "registry_recordkey_sizes_insert",
    "registry_recordkey_sizes_delete",
    "registry_recordkey_sizes_update",
    "registry_recordkey_sizes_truncate",
]


def forwards(apps, schema_editor):
    execute = schema_editor.execute
    execute(
        "INSERT INTO registry_blocksize (key, records) "
        "SELECT key, count(*) FROM registry_recordkey GROUP BY key",
        params=None,
    )
    if schema_editor.connection.vendor == "postgresql":
        # Keep the visibility map fresh so that the key look-up stays an index-only scan
        # (autovacuum's default waits for 20 % of the table to be new rows).
        execute(
            "ALTER TABLE registry_recordkey SET (autovacuum_vacuum_insert_scale_factor = 0.02)",
            params=None,
        )
        execute(PG_FUNCTIONS, params=None)
        for statement in PG_TRIGGERS:
            execute(statement, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            execute(statement, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name in TRIGGERS:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON registry_recordkey", None)
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", None)
    if vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE registry_recordkey RESET (autovacuum_vacuum_insert_scale_factor)", None
        )
        schema_editor.execute("DROP FUNCTION IF EXISTS registry_blocksize_apply()", None)
        schema_editor.execute("DROP FUNCTION IF EXISTS registry_blocksize_clear()", None)


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_record_match_features")]

    operations = [
        migrations.AddIndex(
            model_name="recordkey",
            index=models.Index(fields=["key", "record"], name="record_key_record_idx"),
        ),
        migrations.RemoveIndex(model_name="recordkey", name="record_key_idx"),
        migrations.AlterField(
            model_name="recordkey",
            name="record",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="keys",
                to="registry.partnerrecord",
            ),
        ),
        # The table by hand: Django would add a pattern index (``_like``) to the character
        # primary key on PostgreSQL, as large as the key index and never read (keys are read by
        # equality).
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    'CREATE TABLE "registry_blocksize" ("key" varchar(96) NOT NULL PRIMARY KEY, '
                    '"records" integer NOT NULL CHECK ("records" >= 0))',
                    'DROP TABLE "registry_blocksize"',
                )
            ],
            state_operations=[
                migrations.CreateModel(
                    name="BlockSize",
                    fields=[
                        (
                            "key",
                            models.CharField(
                                max_length=96,
                                primary_key=True,
                                serialize=False,
                                verbose_name="clé de blocage",
                            ),
                        ),
                        ("records", models.PositiveIntegerField(verbose_name="fiches")),
                    ],
                    options={
                        "verbose_name": "taille de bloc",
                        "verbose_name_plural": "tailles de bloc",
                    },
                )
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
