"""Suppressed tables kept per period: served while their measures are unchanged, never once a
cell of them changed, and holding nothing but published cells."""

from __future__ import annotations

import pytest

from territory import published, refresh, selectors
from territory.catalogue import BY_CODE
from territory.models import Cell, PublishedTable
from tests.territory.territory_fixtures import VILLEURBANNE, build, crowd

pytestmark = pytest.mark.django_db
MARCH = "2026-03"
PERSONS = BY_CODE["persons_supported"]


def villeurbanne(level="commune", zone=VILLEURBANNE):
    table = selectors.table(PERSONS, level=level, periods=[MARCH])
    return next(c["value"] for c in table.cells if c["zone"] == zone)


@pytest.fixture
def territory(settings):
    settings.TERRITORY_THRESHOLD = 1
    settings.TERRITORY_CACHE = False  # the stored tables alone
    build()
    refresh.rebuild()


def test_the_refresh_stores_the_tables_it_changed_and_a_read_serves_them(territory):
    stored = PublishedTable.objects.filter(code=PERSONS.code, level="commune", period=MARCH)
    assert stored.filter(breakdown="").exists()  # warmed by the rebuild
    assert stored.filter(breakdown="support_type").exists()
    # What a read serves is the stored table (not recomputed: a cell changed behind the
    # versions' back does not show).
    Cell.objects.filter(
        measure=PERSONS.measure, level="commune", zone=VILLEURBANNE, period=MARCH, dimension=""
    ).update(value=40)
    assert villeurbanne() == 4


def test_a_new_version_of_a_measure_makes_its_tables_computed_again(territory):
    assert villeurbanne() == 4
    for level, zone in (("commune", VILLEURBANNE), ("epci", "200046977")):
        Cell.objects.filter(
            measure=PERSONS.measure, level=level, zone=zone, period=MARCH, dimension=""
        ).update(value=40)
    published.bump({(PERSONS.measure, MARCH)})  # what compute and parents do with the cells
    assert villeurbanne() == 40
    assert villeurbanne(level="epci", zone="200046977") == 40
    assert (
        PublishedTable.objects.get(
            code=PERSONS.code, level="commune", breakdown="", period=MARCH, threshold=1
        ).versions
        == published.versions(PERSONS, [MARCH])[MARCH]
    )


def test_a_table_built_from_older_versions_is_not_served(territory):
    old = published.versions(PERSONS, [MARCH])
    published.bump({(PERSONS.measure, MARCH)})
    key = {"level": "commune", "breakdown": "", "threshold": 1, "rounding": 0}
    published.store(PERSONS, key, old, [])  # a reader that read the versions before the bump
    assert published.read(PERSONS, key, published.versions(PERSONS, [MARCH])) == {}
    assert villeurbanne() == 4  # computed again


def test_stored_tables_hold_only_published_cells(settings):
    settings.TERRITORY_CACHE = False
    crowd()
    build()
    refresh.rebuild()
    limit = selectors.threshold()
    assert limit == 11
    rows = PublishedTable.objects.filter(threshold=limit)
    assert rows.exists()
    for row in rows:
        for cell in row.cells:
            assert set(cell) == {"zone", "period", "breakdown", "value", "suppressed"}
            assert (cell["value"] is None) == cell["suppressed"]
            if row.code == PERSONS.code and cell["value"] is not None:
                assert cell["value"] == 0 or cell["value"] >= limit
