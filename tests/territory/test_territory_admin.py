"""The observatory in the admin: who sees it, what each page shows, exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth.models import Group

from hub.registry.models import Role
from territory import refresh
from territory.admin.access import READ_ONLY_GROUP
from tests.factories import MembershipFactory, UserFactory
from tests.territory.territory_fixtures import VILLEURBANNE, crowd

pytestmark = pytest.mark.django_db
BASE = "/admin/territory/observatory/"


@pytest.fixture
def data():
    crowd()
    refresh.rebuild()


def _client(client, role=None, group=False, superuser=False):
    user = UserFactory(is_superuser=superuser)
    user.save()  # the factory sets the password unsaved; force_login's session hash needs it
    if role:
        MembershipFactory(user=user, role=role)
    if group:
        user.groups.add(Group.objects.get(name=READ_ONLY_GROUP))
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("role", "group", "status"),
    [
        (Role.COORDINATOR, False, 200),
        (Role.ADMIN, False, 200),
        (Role.DPO, False, 200),
        (Role.AGENT, False, 403),
        (None, True, 200),  # elected officials, direction: read-only group
        (None, False, 403),
    ],
)
def test_who_opens_the_observatory(client, role, group, status):
    client = _client(client, role, group)
    for url in (BASE, BASE + "carte/", BASE + "rapport/", BASE + "export/?code=exits"):
        response = client.get(url)
        assert response.status_code == status, url
    if status == 403:
        assert "Accès refusé" in response.content.decode()


def test_dashboard_shows_figures_charts_definitions_and_exports(client, data):
    client = _client(client, superuser=True)
    page = client.get(BASE, {"du": "2026-01", "au": "2026-06"}).content.decode()
    assert "Personnes accompagnées" in page and "<svg" in page
    assert "Définition" in page and "Numérateur" in page
    assert "Villeurbanne" in page
    assert "format=csv" in page and "format=json" in page


def test_filters_by_support_type_and_bad_filters_get_a_french_page(client, data):
    client = _client(client, superuser=True)
    response = client.get(BASE, {"type": "food_aid", "du": "2026-01", "au": "2026-06"})
    assert response.status_code == 200
    bad = client.get(BASE, {"du": "2026-13"})
    assert bad.status_code == 400
    assert "Filtre incorrect" in bad.content.decode()


def test_map_has_a_legend_and_a_value_per_commune(client, data):
    client = _client(client, superuser=True)
    page = client.get(BASE + "carte/").content.decode()
    assert 'id="legend"' in page and "secret statistique" in page
    assert 'data-code="69266"' in page and 'type="range"' in page


def test_exports_are_the_suppressed_table(client, data, settings):
    client = _client(client, superuser=True)
    query = {"code": "persons_supported", "from": "2026-03", "to": "2026-03"}
    body = json.loads(client.get(BASE + "export/", {**query, "format": "json"}).content)
    assert body["threshold"] == 11
    cells = {c["zone"]: c["value"] for c in body["cells"]}
    assert cells[VILLEURBANNE] >= 11
    rows = list(
        csv.reader(
            io.StringIO(client.get(BASE + "export/", query).content.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    assert rows[0][:3] == ["indicateur", "niveau", "zone"]
    assert any(r[2] == VILLEURBANNE and r[6] == str(cells[VILLEURBANNE]) for r in rows[1:])


def test_yearly_report_prints_every_indicator_with_its_definition(client, data):
    client = _client(client, superuser=True)
    page = client.get(
        BASE + "rapport/", {"commune": VILLEURBANNE, "annee": "2026"}
    ).content.decode()
    assert "Analyse des besoins sociaux 2026 — Villeurbanne" in page
    assert "Taux de retour à l&#x27;emploi après accompagnement" in page and "Dénominateur" in page
    download = client.get(
        BASE + "rapport/", {"commune": VILLEURBANNE, "annee": "2026", "format": "html"}
    )
    assert download["Content-Disposition"].startswith("attachment")
    assert download.content.decode().startswith("<!DOCTYPE html>")


def test_the_printable_report_has_no_navigation_and_breaks_pages_cleanly(client, data):
    client = _client(client, superuser=True)
    download = client.get(
        BASE + "rapport/", {"commune": VILLEURBANNE, "annee": "2026", "format": "html"}
    ).content.decode()
    body = download[download.index("</style>") :]
    assert "<nav" not in body and "obs-filters" not in body and "<form" not in body
    assert 'class="obs-theme"' in body
    print_rules = download[download.index("@media print") :]
    assert "@page" in download and "size: A4" in download
    assert ".obs-report .obs-theme { break-before: page; }" in print_rules
    assert ".obs-report thead { display: table-header-group; }" in print_rules
    assert ".obs-report tr, .obs-report th, .obs-report td { break-inside: avoid; }" in print_rules
