"""Refresh the role groups so that the crisis roles (agent of the register, caller) get the
permissions of the crisis models on a fresh database (``ensure_role_groups`` is idempotent)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def refresh_role_groups(apps, schema_editor):
    from hub.registry.roles import ensure_role_groups

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_role_groups(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("crisis", "0001_initial"),
        ("registry", "0006_crisis_roles_prefecture"),
    ]

    operations = [migrations.RunPython(refresh_role_groups, migrations.RunPython.noop)]
