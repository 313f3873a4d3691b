"""Read the aggregates as published tables: summed to the zone level asked, then suppressed.

This is the only way out of ``territory`` for figures: every table answered by the API, the
dashboards, the exports and the yearly report comes from ``table()``, after small-cell
suppression. No function here returns a person.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone

from territory import published, suppression, zones
from territory.definitions import BREAKDOWNS, COUNT, RATE, Indicator
from territory.models import Cell, RefreshRun

TOTAL = suppression.TOTAL
GROUP_COLUMN = {
    zones.COMMUNE: "commune",
    zones.EPCI: "epci",
    zones.DEPARTEMENT: "departement",
    zones.IRIS: "zone",
}


def threshold() -> int:
    return getattr(settings, "TERRITORY_THRESHOLD", suppression.DEFAULT_THRESHOLD)


def rounding() -> int:
    return getattr(settings, "TERRITORY_ROUNDING", 0)


@dataclass
class Table:
    indicator: Indicator
    level: str
    periods: list
    breakdown: str
    threshold: int
    cells: list  # [{"zone", "period", "breakdown", "value", "suppressed"}]

    def as_dict(self) -> dict:
        return {
            "code": self.indicator.code,
            "threshold": self.threshold,
            "zone_level": self.level,
            "breakdown": self.breakdown or None,
            "cells": self.cells,
        }


def _sums(measure: str, level: str, periods, dimension: str, zone_filter) -> dict:
    """{(period, zone, dimension, category): value} summed to ``level``.

    Every level has its own cells (EPCI and département ones are summed at refresh time:
    ``territory.parents``); restricted to some communes, the table sums theirs."""
    query = Cell.objects.filter(
        measure=measure, dimension__in=sorted({"", dimension}), period__in=list(periods)
    )
    if zone_filter:
        query = query.filter(
            level=zones.IRIS if level == zones.IRIS else zones.COMMUNE,
            commune__in=sorted(zone_filter),
        )
        rows = query.values_list(GROUP_COLUMN[level], "period", "dimension", "category")
        rows = rows.annotate(v=Sum("value")).order_by()
    else:  # one cell per zone, period and category already: an index-only read
        rows = query.filter(level=level).values_list(
            "zone", "period", "dimension", "category", "value"
        )
    return {(period, zone, dim, cat): v for zone, period, dim, cat, v in rows if zone}


def table(
    indicator: Indicator,
    *,
    level: str,
    periods: list[str],
    breakdown: str = "",
    zone_filter: set | None = None,
) -> Table:
    """The suppressed table of ``indicator`` per zone of ``level`` for each period.

    ``zone_filter``: restrict to these communes (the margins are then theirs). Tables are
    cached until the next refresh of the aggregates (``generation()`` changes then).
    """
    key = _cache_key(indicator.code, level, periods, breakdown, zone_filter)
    cached = cache.get(key) if key else None
    if cached is not None:
        return Table(indicator, level, list(periods), breakdown, cached[0], cached[1])
    if zone_filter:
        result = _table(
            indicator, level=level, periods=periods, breakdown=breakdown, zone_filter=zone_filter
        )
    else:
        result = _published(indicator, level=level, periods=periods, breakdown=breakdown)
    if key:
        cache.set(key, (result.threshold, result.cells), CACHE_SECONDS)
    return result


CACHE_SECONDS = 600


def generation() -> str:
    """Changes whenever the aggregates change: the time of the last refresh, read from the
    database (so that every web process sees a refresh made by a worker)."""
    run = RefreshRun.objects.filter(name="territory").values_list("refreshed_at", "events").first()
    return f"{run[0].timestamp() if run and run[0] else 0}-{run[1] if run else 0}"


def _cache_key(code, level, periods, breakdown, zone_filter) -> str:
    if not getattr(settings, "TERRITORY_CACHE", True):
        return ""
    raw = "|".join(
        [
            code,
            level,
            ",".join(periods),
            breakdown,
            ",".join(sorted(zone_filter or ())),
            str(threshold()),
            str(rounding()),
        ]
    )
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f"territory:table:{generation()}:{digest}"


def _published(indicator, *, level, periods, breakdown) -> Table:
    """The stored periods still current (``territory.published``), the others computed now
    and stored for the next reader."""
    key = {"level": level, "breakdown": breakdown, "threshold": threshold(), "rounding": rounding()}
    stamps = published.versions(indicator, periods)  # before the cells: see published
    found = published.read(indicator, key, stamps)
    cells = [cell for period in periods for cell in found.get(period, ())]
    missing = [period for period in periods if period not in found]
    if missing:
        fresh = _table(
            indicator, level=level, periods=missing, breakdown=breakdown, zone_filter=None
        )
        published.store(indicator, key, {p: stamps[p] for p in missing}, fresh.cells)
        cells += fresh.cells
    cells.sort(key=_order)
    return Table(indicator, level, list(periods), breakdown, key["threshold"], cells)


def _order(cell: dict) -> tuple:
    return (cell["period"], cell["zone"] == TOTAL, cell["zone"], cell["breakdown"])


def _table(indicator, *, level, periods, breakdown, zone_filter) -> Table:
    limit = threshold()
    if indicator.kind == COUNT:
        cells = _count_cells(indicator, level, periods, breakdown, zone_filter, limit)
    elif indicator.kind == RATE:
        cells = _rate_cells(indicator, level, periods, zone_filter, limit)
    else:
        cells = _delay_cells(indicator, level, periods, zone_filter, limit)
    cells.sort(key=_order)
    return Table(indicator, level, list(periods), breakdown, limit, cells)


def _cell(zone, period, breakdown, value) -> dict:
    return {
        "zone": zone,
        "period": period,
        "breakdown": breakdown,
        "value": value,
        "suppressed": value is None,
    }


def _count_cells(indicator, level, periods, breakdown, zone_filter, limit) -> list:
    sums = _sums(indicator.measure, level, periods, breakdown, zone_filter)
    categories = list(BREAKDOWNS[breakdown][1]) if breakdown else []
    wanted = set(categories)
    per_period = defaultdict(list)
    for (p, zone, dim, cat), v in sums.items():
        per_period[p].append((zone, dim, cat, v))
    out = []
    for period in periods:
        values: dict = {}
        for zone, dim, cat, v in per_period.get(period, ()):
            if dim == "":
                values[(zone, TOTAL)] = values.get((zone, TOTAL), 0) + v
            elif cat in wanted:
                values[(zone, cat)] = v
        if not values:
            continue
        zones_seen = sorted({zone for zone, _ in values})
        columns = [*categories, TOTAL] if categories else [TOTAL]
        grid = {(z, c): values.get((z, c), 0) for z in zones_seen for c in columns}
        for column in columns:
            grid[(TOTAL, column)] = sum(grid[(z, column)] for z in zones_seen)
        published = suppression.protect(grid, limit, rounding())
        for (zone, column), value in published.values.items():
            out.append(_cell(zone, period, column, value))
    return out


def _rate_cells(indicator, level, periods, zone_filter, limit) -> list:
    numerators = _sums(indicator.measure, level, periods, "", zone_filter)
    denominators = _sums(indicator.denominator, level, periods, "", zone_filter)
    out = []
    for period in periods:
        pairs = defaultdict(lambda: [0, 0])
        for (p, zone, _d, _c), v in denominators.items():
            if p == period:
                pairs[zone][1] += v
        for (p, zone, _d, _c), v in numerators.items():
            if p == period:
                pairs[zone][0] += v
        if not pairs:
            continue
        pairs[TOTAL] = [sum(n for n, _ in pairs.values()), sum(d for _, d in pairs.values())]
        for zone, (num, den) in pairs.items():
            out.append(_cell(zone, period, TOTAL, _rate(num, den, limit)))
    return out


def _small(n: int, limit: int) -> bool:
    return 0 < n < limit


def _rate(num: int, den: int, limit: int):
    """A share in %, published only when the persons on both sides of it pass the threshold."""
    if den == 0 or den < limit or _small(num, limit) or _small(den - num, limit):
        return None
    return round(100 * num / den, 1)


def _delay_cells(indicator, level, periods, zone_filter, limit) -> list:
    sums = _sums(indicator.measure, level, periods, "days", zone_filter)
    out = []
    for period in periods:
        histograms = defaultdict(lambda: defaultdict(int))
        for (p, zone, dim, cat), v in sums.items():
            if p == period and dim == "days":
                histograms[zone][int(cat)] += v
                histograms[TOTAL][int(cat)] += v
        for zone, histogram in histograms.items():
            n = sum(histogram.values())
            for statistic, q in (("median", 0.5), ("p90", 0.9)):
                value = _quantile(histogram, n, q) if n >= limit else None
                out.append(_cell(zone, period, statistic, value))
    return out


def _quantile(histogram: dict, n: int, q: float) -> int:
    """Nearest-rank quantile of a histogram of whole days."""
    rank = max(1, math.ceil(q * n))
    seen = 0
    for day in sorted(histogram):
        seen += histogram[day]
        if seen >= rank:
            return day
    return max(histogram)


def months(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    out = []
    while (year, month) <= end:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def available_periods() -> list[str]:
    """Months present in the aggregates, oldest first (cached until the next refresh)."""
    key = f"territory:periods:{generation()}" if getattr(settings, "TERRITORY_CACHE", True) else ""
    cached = cache.get(key) if key else None
    if cached is not None:
        return cached
    periods = sorted(
        p
        for p in Cell.objects.filter(measure="persons_supported", level=zones.COMMUNE, dimension="")
        .values_list("period", flat=True)
        .distinct()
        if len(p) == 7
    )
    if key:
        cache.set(key, periods, CACHE_SECONDS)
    return periods


def months_now() -> str:
    today = timezone.localdate()
    return f"{today.year:04d}-{today.month:02d}"
