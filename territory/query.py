"""Parse and check the parameters of an indicator query (API and dashboards alike)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import timezone

from territory import zones
from territory.catalogue import BY_CODE
from territory.definitions import Indicator
from territory.selectors import months

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_MONTHS = 60


class QueryError(Exception):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class Query:
    indicator: Indicator
    level: str
    periods: tuple
    breakdown: str
    zone: str  # a zone of ``level`` to restrict to, or ''

    @property
    def zone_filter(self) -> set | None:
        """The communes of ``zone`` (the table's margins are then theirs)."""
        if not self.zone:
            return None
        if self.level == zones.IRIS:
            return {zones.normalise_code(self.zone[:5])}
        return set(zones.communes_in(self.level, self.zone))


def last_months(count: int = 12) -> tuple[str, str]:
    today = timezone.localdate()
    year, month = today.year, today.month - (count - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return f"{year:04d}-{month:02d}", f"{today.year:04d}-{today.month:02d}"


def indicator_or_none(code: str) -> Indicator | None:
    return BY_CODE.get(code)


def parse(indicator: Indicator, params) -> Query:
    known = {"zone_level", "from", "to", "breakdown", "zone"}
    for name in params:
        if name not in known:
            raise QueryError(name, "unknown parameter; one of: " + ", ".join(sorted(known)))
    level = params.get("zone_level") or zones.COMMUNE
    if level not in indicator.zone_levels:
        raise QueryError("zone_level", "one of: " + ", ".join(indicator.zone_levels))
    default_from, default_to = last_months()
    first = params.get("from") or default_from
    last = params.get("to") or default_to
    for name, value in (("from", first), ("to", last)):
        if not MONTH_RE.match(value):
            raise QueryError(name, "a month as YYYY-MM")
    if first > last:
        raise QueryError("from", "must not be after 'to'")
    periods = months(first, last)
    if len(periods) > MAX_MONTHS:
        raise QueryError("to", f"at most {MAX_MONTHS} months per query")
    breakdown = params.get("breakdown") or ""
    if breakdown and breakdown not in indicator.breakdowns:
        allowed = ", ".join(indicator.breakdowns) or "none for this indicator"
        raise QueryError("breakdown", f"one of: {allowed}")
    if not breakdown and indicator.kind == "delay":
        breakdown = "statistic"
    zone = params.get("zone") or ""
    if zone and not zones.valid_zone(level, zone):
        raise QueryError("zone", f"not a known code of level {level}")
    return Query(indicator, level, tuple(periods), breakdown, zone)
