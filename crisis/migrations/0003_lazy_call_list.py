"""The call list as a snapshot (``CallList``), its calls written when first claimed.

On PostgreSQL the packed entries are stored out of line and uncompressed (``STORAGE EXTERNAL``),
so that reading one entry (``substring``) fetches one TOAST chunk, not the whole list."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def external_storage(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE crisis_calllist ALTER COLUMN entries SET STORAGE EXTERNAL"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("crisis", "0002_role_groups"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CallList",
            fields=[
                (
                    "activation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="call_list",
                        serialize=False,
                        to="crisis.activation",
                        verbose_name="plan",
                    ),
                ),
                ("key", models.BigIntegerField(unique=True, verbose_name="clé")),
                ("entries", models.BinaryField(verbose_name="entrées")),
                (
                    "snapshot_size",
                    models.PositiveIntegerField(verbose_name="personnes au déclenchement"),
                ),
                ("size", models.PositiveIntegerField(verbose_name="personnes à appeler")),
                (
                    "cursor",
                    models.PositiveIntegerField(default=0, verbose_name="entrées distribuées"),
                ),
                ("built_at", models.DateTimeField(verbose_name="établie le")),
            ],
            options={
                "verbose_name": "liste d'appels",
                "verbose_name_plural": "listes d'appels",
            },
        ),
        migrations.AddConstraint(
            model_name="call",
            constraint=models.UniqueConstraint(
                fields=("activation", "rank"), name="crisis_call_one_per_rank"
            ),
        ),
        migrations.RunPython(external_storage, migrations.RunPython.noop),
    ]
