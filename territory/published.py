"""Published tables kept per indicator × zone level × breakdown × period, with the versions of
the measures they were built from.

Suppressing a wide table (265 communes × 12 columns × 12 months) costs more than reading its
aggregates, and the same tables are asked for again and again between two changes of their
cells. So each period of a suppressed table is stored once computed (by the refresh, for what
it changed, or by the first read) and served as long as the versions of its measures for that
period are the ones it was built from. ``bump`` gives a measure and period a new version in the
transaction that changes their cells; a reader reads the versions before the cells, so a table
built while the cells change is stored under the older versions and never served as current.

Only the suppressed cells are stored (what the API answers), never a count below the threshold
nor a person.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from territory.definitions import RATE, Indicator
from territory.models import MeasureVersion, PublishedTable


def measures_of(indicator: Indicator) -> tuple[str, ...]:
    if indicator.kind == RATE:
        return (indicator.measure, indicator.denominator)
    return (indicator.measure,)


def bump(changed: Iterable[tuple[str, str]]) -> None:
    """New versions for these (measure, period) pairs (call it inside the cells' transaction)."""
    rows = [MeasureVersion(measure=m, period=p, version=uuid.uuid4().hex) for m, p in changed]
    if rows:
        MeasureVersion.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["measure", "period"],
            update_fields=["version"],
        )


def versions(indicator: Indicator, periods) -> dict[str, str]:
    """{period: the versions of the indicator's measures for it} (read before the cells)."""
    measures = measures_of(indicator)
    found = {
        (m, p): v
        for m, p, v in MeasureVersion.objects.filter(
            measure__in=measures, period__in=list(periods)
        ).values_list("measure", "period", "version")
    }
    return {p: ",".join(found.get((m, p), "0") for m in measures) for p in periods}


def read(indicator: Indicator, key: dict, current: dict[str, str]) -> dict[str, list]:
    """{period: cells} of the stored tables still current (``key``: level, breakdown,
    threshold, rounding)."""
    rows = PublishedTable.objects.filter(
        code=indicator.code, period__in=list(current), **key
    ).values_list("period", "versions", "cells")
    return {period: cells for period, stamp, cells in rows if current.get(period) == stamp}


def store(indicator: Indicator, key: dict, stamps: dict[str, str], cells: list) -> None:
    """Keep each period of a table just computed, under the versions read before its cells."""
    by_period: dict[str, list] = {period: [] for period in stamps}
    for cell in cells:
        by_period.setdefault(cell["period"], []).append(cell)
    PublishedTable.objects.bulk_create(
        [
            PublishedTable(
                code=indicator.code, period=period, versions=stamps[period], cells=rows, **key
            )
            for period, rows in by_period.items()
            if period in stamps
        ],
        update_conflicts=True,
        unique_fields=["code", "level", "breakdown", "period", "threshold", "rounding"],
        update_fields=["versions", "cells", "computed_at"],
    )
