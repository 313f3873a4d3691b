"""The cells of the parent zones (EPCI, département), stored at refresh time.

Each parent cell is the sum of its communes' cells (a person is placed in one commune, so every
measure adds up), written set-wise by one ``INSERT … SELECT … GROUP BY`` per level, so that a
table at EPCI or département level reads its own few rows instead of summing the cells of
hundreds of communes at query time. ``refresh`` calls ``replace`` for the parents of the
communes it recomputed; the rebuild for all of them.
"""

from __future__ import annotations

from django.db import connection, transaction

from territory import published, zones
from territory.models import Cell


def _statement(level: str, where_codes: str) -> str:
    column = {zones.EPCI: "epci", zones.DEPARTEMENT: "departement"}[level]
    kept = "epci, ''" if level == zones.EPCI else "'', departement"
    table = connection.ops.quote_name(Cell._meta.db_table)
    return f"""
        INSERT INTO {table} (measure, level, zone, commune, epci, departement, period, dimension,
            category, value)
        SELECT measure, %s, {column}, '', {kept}, period, dimension, category, SUM(value)
        FROM {table}
        WHERE level = %s AND {column} <> '' {where_codes}
        GROUP BY measure, {column}, period, dimension, category
    """  # noqa: S608 (names from model metadata and constants)


def replace(*, communes: set[str] | None = None, changed: set = frozenset()) -> int:
    """Recompute the EPCI and département cells over ``communes`` (every parent when
    ``None``), in one transaction, and give ``changed`` (measure, period) pairs new versions
    again (a table read between the communes' commit and this one is out of date). Returns
    the number of parent cells written."""
    written = 0
    with transaction.atomic():
        published.bump(changed)
        for level in (zones.EPCI, zones.DEPARTEMENT):
            if communes is None:
                Cell.objects.filter(level=level).delete()
                codes, where = [], ""
            else:
                codes = sorted({zones.parent(c, level) for c in communes if c} - {""})
                if not codes:
                    continue
                Cell.objects.filter(level=level, zone__in=codes).delete()
                column = "epci" if level == zones.EPCI else "departement"
                where = f"AND {column} IN ({', '.join(['%s'] * len(codes))})"
            with connection.cursor() as cursor:
                cursor.execute(_statement(level, where), [level, zones.COMMUNE, *codes])
                written += cursor.rowcount
    return written
