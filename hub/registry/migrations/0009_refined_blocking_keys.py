"""The refined blocking-key families (``ffy``/``ffm``/``ffs``, ``pni``, ``spi``, ``fps``:
``hub.matching.blocking``) for the records written before them: ``keyindex.reindex`` with the
historical models. The block sizes follow through the triggers of 0008."""

from django.db import migrations


def forwards(apps, schema_editor):
    from hub.registry.keyindex import reindex

    reindex(apps.get_model("registry", "PartnerRecord"), apps.get_model("registry", "RecordKey"))


class Migration(migrations.Migration):
    dependencies = [("registry", "0008_block_sizes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
