# State only: Event now lives in hub.outbox and IdempotencyKey in hub.api (same tables);
# deliveries point at the moved Event.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exchanges", "0002_cases_referrals_webhooks_imports"),
        ("outbox", "0001_initial"),
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="webhookdelivery",
                    name="event",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="deliveries", to="outbox.event", verbose_name="événement"),
                ),
                migrations.DeleteModel(name="Event"),
                migrations.DeleteModel(name="IdempotencyKey"),
            ],
            database_operations=[],
        ),
    ]
