"""Blocking keys longer than the key column, written before ``blocking.KEY_MAX_LENGTH``: kept
as their family and a digest, as ``blocking_keys`` now gives them. Only the embedded default
(SQLite, which does not enforce the column's length) can hold one: PostgreSQL refused them. The
block sizes follow through the triggers of 0008."""

from django.db import migrations
from django.db.models.functions import Length


def forwards(apps, schema_editor):
    from hub.matching.blocking import KEY_MAX_LENGTH, fitted_key

    keys = apps.get_model("registry", "RecordKey")
    long = list(
        keys.objects.annotate(size=Length("key"))
        .filter(size__gt=KEY_MAX_LENGTH)
        .values_list("pk", "record_id", "key")
    )
    if not long:
        return
    keys.objects.filter(pk__in=[pk for pk, _record, _key in long]).delete()
    fitted = {(record, fitted_key(key)) for _pk, record, key in long}
    held = set(
        keys.objects.filter(record_id__in={record for record, _key in fitted}).values_list(
            "record_id", "key"
        )
    )
    keys.objects.bulk_create(
        [keys(record_id=record, key=key) for record, key in sorted(fitted - held, key=str)]
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0009_refined_blocking_keys")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
