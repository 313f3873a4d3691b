"""On PostgreSQL, triggers refuse UPDATE and DELETE on every append-only consent table.

The one controlled exception is the retention purge: a transaction that has run
``SET LOCAL passerelle.retention_purge = 'on'`` may DELETE (never UPDATE) from the access log.
The setting dies with the transaction, and the purge leaves a signed ``RetentionRun`` anchor
so that ``verify_audit`` still proves the remaining chain. Grants refuse DELETE (they are
withdrawn, never removed).
"""

from django.db import migrations

APPEND_ONLY = [
    "consent_accesslog",
    "consent_grantevent",
    "consent_chaincheckpoint",
    "consent_retentionrun",
]

FUNCTION = """
CREATE OR REPLACE FUNCTION passerelle_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND TG_TABLE_NAME = ANY (TG_ARGV)
       AND coalesce(current_setting('passerelle.retention_purge', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

OLD_FUNCTION = """
CREATE OR REPLACE FUNCTION passerelle_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in APPEND_ONLY:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        purgeable = "'consent_accesslog'" if table == "consent_accesslog" else ""
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION passerelle_refuse_change({purgeable});"
        )
    schema_editor.execute(
        "CREATE TRIGGER consent_grant_no_delete BEFORE DELETE ON consent_grant "
        "FOR EACH STATEMENT EXECUTE FUNCTION passerelle_refuse_change();"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS consent_grant_no_delete ON consent_grant;")
    for table in APPEND_ONLY:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute(OLD_FUNCTION, params=None)
    schema_editor.execute(
        "CREATE TRIGGER consent_accesslog_append_only BEFORE UPDATE OR DELETE ON consent_accesslog "
        "FOR EACH STATEMENT EXECUTE FUNCTION passerelle_refuse_change();"
    )


class Migration(migrations.Migration):
    dependencies = [("consent", "0003_grants_ledger_checkpoints")]
    operations = [migrations.RunPython(forwards, backwards)]
