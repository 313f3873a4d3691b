"""Role groups carry the permissions of every app after migrate (not only the registry's)."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from hub.registry.models import Role
from hub.registry.roles import ROLE_GROUPS

pytestmark = pytest.mark.django_db


def test_migrate_refreshes_role_groups_with_consent_and_exchanges_permissions():
    Group.objects.filter(name=ROLE_GROUPS[Role.DPO]).first().permissions.clear()
    call_command("migrate", verbosity=0)
    dpo = Group.objects.get(name=ROLE_GROUPS[Role.DPO])
    labels = set(dpo.permissions.values_list("content_type__app_label", flat=True))
    assert {"consent", "exchanges", "registry"} <= labels
