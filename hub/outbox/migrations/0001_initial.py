# The Event table moves from exchanges to hub.outbox without touching the database: the table
# keeps its name (exchanges_event), its index and its rows.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("registry", "0001_initial"),
        ("exchanges", "0002_cases_referrals_webhooks_imports"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Event",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        ("type", models.CharField(db_index=True, max_length=60, verbose_name="type")),
                        ("shared", models.BooleanField(default=False, help_text="Visible de toute organisation qui peut voir la personne concernée.", verbose_name="partagé")),
                        ("beneficiary_id", models.UUIDField(blank=True, db_index=True, null=True, verbose_name="personne")),
                        ("subject_id", models.CharField(blank=True, default="", max_length=64, verbose_name="objet")),
                        ("data", models.JSONField(default=dict, verbose_name="données")),
                        ("occurred_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="survenu le")),
                        ("xid", models.BigIntegerField(default=0, verbose_name="transaction")),
                        ("organization", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="registry.organization", verbose_name="organisation à l'origine")),
                        ("recipient", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="registry.organization", verbose_name="organisation destinataire")),
                    ],
                    options={
                        "verbose_name": "événement",
                        "verbose_name_plural": "événements",
                        "ordering": ["id"],
                        "db_table": "exchanges_event",
                        "indexes": [models.Index(fields=["xid", "id"], name="event_xid_id_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
