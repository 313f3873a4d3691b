"""On PostgreSQL, the access log accepts one UPDATE per row: its seal, written by the sequencer.

A row-level trigger lets an UPDATE through only when the row is not sealed yet (``seq`` is
NULL), the new values seal it (a position and both hashes), and no other column changes.
Every other UPDATE, and any DELETE outside the retention purge, is refused as before.
Rows written before this migration were chained in id order: their position is their id.
"""

from django.db import migrations

SEAL_ONLY = """
CREATE OR REPLACE FUNCTION passerelle_accesslog_seal_only() RETURNS trigger AS $$
BEGIN
    IF OLD.seq IS NULL AND NEW.seq IS NOT NULL
       AND length(NEW.prev_hash) = 64 AND length(NEW.hash) = 64
       AND (to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash')
           = (to_jsonb(OLD) - 'seq' - 'prev_hash' - 'hash') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'table % is append-only: only its seal may be written, once', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute("UPDATE consent_accesslog SET seq = id WHERE seq IS NULL")
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS consent_accesslog_append_only ON consent_accesslog;")
    schema_editor.execute("UPDATE consent_accesslog SET seq = id WHERE seq IS NULL")
    schema_editor.execute(SEAL_ONLY, params=None)
    schema_editor.execute(
        "CREATE TRIGGER consent_accesslog_append_only BEFORE DELETE ON consent_accesslog "
        "FOR EACH STATEMENT EXECUTE FUNCTION passerelle_refuse_change('consent_accesslog');"
    )
    schema_editor.execute(
        "CREATE TRIGGER consent_accesslog_seal_only BEFORE UPDATE ON consent_accesslog "
        "FOR EACH ROW EXECUTE FUNCTION passerelle_accesslog_seal_only();"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS consent_accesslog_seal_only ON consent_accesslog;")
    schema_editor.execute("DROP TRIGGER IF EXISTS consent_accesslog_append_only ON consent_accesslog;")
    schema_editor.execute("DROP FUNCTION IF EXISTS passerelle_accesslog_seal_only();")
    schema_editor.execute(
        "CREATE TRIGGER consent_accesslog_append_only BEFORE UPDATE OR DELETE ON consent_accesslog "
        "FOR EACH STATEMENT EXECUTE FUNCTION passerelle_refuse_change('consent_accesslog');"
    )


class Migration(migrations.Migration):
    dependencies = [("consent", "0008_access_log_sealed_by_sequencer")]
    operations = [migrations.RunPython(forwards, backwards)]
