# IdempotencyKey moves from exchanges to hub.api without touching the database (same table).

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("exchanges", "0002_cases_referrals_webhooks_imports"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyKey",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("client_id", models.BigIntegerField(verbose_name="client partenaire")),
                        ("key", models.CharField(max_length=255, verbose_name="clé")),
                        ("method", models.CharField(max_length=10)),
                        ("path", models.CharField(max_length=500)),
                        ("fingerprint", models.CharField(max_length=64, verbose_name="empreinte de la requête")),
                        ("status_code", models.PositiveSmallIntegerField()),
                        ("body", models.JSONField(null=True)),
                        ("headers", models.JSONField(default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                    ],
                    options={
                        "verbose_name": "clé d'idempotence",
                        "verbose_name_plural": "clés d'idempotence",
                        "db_table": "exchanges_idempotencykey",
                        "constraints": [models.UniqueConstraint(fields=("client_id", "key"), name="idempotency_client_key")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
