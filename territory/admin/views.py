"""The observatory's pages in the admin: dashboard, map of needs, exports, definitions.

Every figure comes from ``territory.selectors.table`` (suppressed); nothing here reads a person.
In the embedded mode (no broker, hence no beat) a page first applies the pending outbox events,
so that it reflects the last changes; in production the beat task does it every 30 seconds.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.formats import date_format

from exchanges.models import CaseType
from hub.registry.models import OrganizationKind
from territory import query, refresh, selectors, zones
from territory.admin import charts
from territory.admin.access import may_view
from territory.catalogue import BY_CODE, INDICATORS
from territory.definitions import BREAKDOWNS, COUNT, RATE
from territory.models import RefreshRun

NO_DATA = object()
HEADLINES = (
    "persons_supported",
    "new_persons",
    "homeless_persons",
    "overlaps_detected",
    "referrals_answered_share",
    "employment_return_rate",
    "housing_exit_rate",
    "isolated_persons",
)


def month_label(period: str) -> str:
    if len(period) == 4:
        return period
    return date_format(datetime.date(int(period[:4]), int(period[5:7]), 1), "F Y")


def _guard(request) -> None:
    if not may_view(request.user):
        raise PermissionDenied
    if settings.CELERY_TASK_ALWAYS_EAGER:
        refresh.refresh()


class Filters:
    """The dashboard's form: French names in the URL, checked by ``territory.query.parse``."""

    def __init__(self, request, *, default_code="persons_supported"):
        get = request.GET
        self.code = get.get("indicateur") or default_code
        self.indicator = BY_CODE.get(self.code) or BY_CODE[default_code]
        available = selectors.available_periods()
        first, last = query.last_months()
        if available:
            last = available[-1]
            first = available[max(0, len(available) - 12)]
        self.params = {
            "zone_level": get.get("niveau") or zones.COMMUNE,
            "from": get.get("du") or first,
            "to": get.get("au") or last,
            "zone": get.get("zone") or "",
        }
        self.support_type = get.get("type") or ""
        self.partner_kind = get.get("partenaire") or ""
        self.category = ""
        breakdown = ""
        if self.support_type and "support_type" in self.indicator.breakdowns:
            breakdown, self.category = "support_type", self.support_type
        elif self.partner_kind and "partner_kind" in self.indicator.breakdowns:
            breakdown, self.category = "partner_kind", self.partner_kind
        self.error = ""
        try:
            if self.support_type and self.support_type not in CaseType.values:
                raise query.QueryError("type", "type d'accompagnement inconnu")
            if self.partner_kind and self.partner_kind not in OrganizationKind.values:
                raise query.QueryError("partenaire", "type de partenaire inconnu")
            self.query = query.parse(
                self.indicator, {**self.params, **({"breakdown": breakdown} if breakdown else {})}
            )
        except query.QueryError as exc:
            self.error = f"{exc.field} : {exc.message}"
            self.query = query.parse(self.indicator, {})
        self.available = available

    def context(self) -> dict:
        return {
            "indicators": INDICATORS,
            "indicator": self.indicator,
            "levels": [(lvl, zones.LEVEL_LABELS[lvl]) for lvl in self.indicator.zone_levels],
            "support_types": CaseType.choices,
            "partner_kinds": OrganizationKind.choices,
            "f": {
                **self.params,
                "type": self.support_type,
                "partenaire": self.partner_kind,
                "indicateur": self.indicator.code,
            },
            "error": self.error,
            "months": [(p, month_label(p)) for p in (self.available or self.query.periods)],
        }


def _table(indicator, q: query.Query, *, breakdown=None, periods=None):
    return selectors.table(
        indicator,
        level=q.level,
        periods=list(periods or q.periods),
        breakdown=q.breakdown if breakdown is None else breakdown,
        zone_filter=q.zone_filter,
    )


def _column(indicator, q: query.Query, category: str) -> str:
    if indicator.kind == "delay":
        return "median"
    return category or "total"


def dashboard(request):
    _guard(request)
    f = Filters(request)
    q, indicator = f.query, f.indicator
    table = _table(indicator, q)
    column = _column(indicator, q, f.category)
    series = [
        (
            month_label(p),
            next(
                (
                    c["value"]
                    for c in table.cells
                    if c["period"] == p and c["zone"] == "total" and c["breakdown"] == column
                ),
                0,
            ),
        )
        for p in q.periods
    ]
    last = q.periods[-1]
    zone_rows = [
        (zones.name(q.level, c["zone"]), c["zone"], c["value"])
        for c in table.cells
        if c["period"] == last and c["breakdown"] == column and c["zone"] != "total"
    ]
    breakdown_name = q.breakdown or (indicator.breakdowns[0] if indicator.breakdowns else "")
    breakdown_rows = []
    if breakdown_name:
        split = _table(indicator, q, breakdown=breakdown_name, periods=[last])
        labels = BREAKDOWNS[breakdown_name][1]
        breakdown_rows = [
            (labels.get(c["breakdown"], c["breakdown"]), c["value"])
            for c in split.cells
            if c["zone"] == "total" and c["breakdown"] != "total"
        ]
    headlines = []
    for code in HEADLINES:
        other = BY_CODE[code]
        shared = {"zone_level": q.level, "from": last, "to": last, "zone": q.zone}
        try:
            other_q = query.parse(other, {k: v for k, v in shared.items() if v})
        except query.QueryError:
            other_q = query.parse(other, {"from": last, "to": last})
        cells = _table(other, other_q, breakdown="", periods=[last]).cells
        value = next((c["value"] for c in cells if c["zone"] == "total"), NO_DATA)
        # A rate or a delay over nobody is not 0: "n.d." (non disponible).
        empty = "0" if other.kind == COUNT else "n.d."
        headlines.append((other, empty if value is NO_DATA else charts.fmt(value)))
    context = {
        **f_context(request),
        **f.context(),
        "title": "Observatoire du territoire",
        "last_label": month_label(last),
        "series_svg": charts.line_chart(series, title=indicator.title, unit=indicator.unit),
        "series": series,
        "breakdown_label": BREAKDOWNS[breakdown_name][0] if breakdown_name else "",
        "breakdown_svg": charts.bar_chart(breakdown_rows, title=indicator.title)
        if breakdown_rows
        else "",
        "breakdown_rows": [(label, charts.fmt(v)) for label, v in breakdown_rows],
        "zone_rows": [(name, code, charts.fmt(v)) for name, code, v in zone_rows],
        "headlines": headlines,
        "threshold": table.threshold,
        "run": RefreshRun.objects.filter(name=refresh.MARK).first(),
        "export_query": _export_query(indicator, q),
    }
    status = 400 if f.error else 200
    return TemplateResponse(request, "admin/territory/dashboard.html", context, status=status)


def _export_query(indicator, q: query.Query) -> str:
    params = {
        "code": indicator.code,
        "zone_level": q.level,
        "from": q.periods[0],
        "to": q.periods[-1],
    }
    if q.breakdown:
        params["breakdown"] = q.breakdown
    if q.zone:
        params["zone"] = q.zone
    return urlencode(params)


def needs_map(request):
    _guard(request)
    get = request.GET
    candidates = [i for i in INDICATORS if i.kind in (COUNT, RATE)]
    indicator = BY_CODE.get(get.get("indicateur") or "") or BY_CODE["persons_supported"]
    months = selectors.available_periods() or [selectors.months_now()]
    try:
        index = min(max(int(get.get("mois", len(months) - 1)), 0), len(months) - 1)
    except ValueError:
        index = len(months) - 1
    period = months[index]
    per_capita = get.get("par_habitant") == "1" and indicator.kind == COUNT
    table = selectors.table(indicator, level=zones.COMMUNE, periods=[period])
    values = {}
    for c in table.cells:
        if c["zone"] == "total" or c["breakdown"] != "total":
            continue
        value = c["value"]
        if per_capita and value is not None:
            population = zones.population(zones.COMMUNE, c["zone"])
            value = round(1000 * value / population, 1) if population else None
        values[c["zone"]] = value
    features = _map_features(values)
    names = {f["properties"]["code"]: f["properties"]["nom"] for f in features}
    title = f"{indicator.title} — {month_label(period)}"
    svg, legend = charts.choropleth(features, values, names, title=title)
    iris_cells = []
    if zones.IRIS in indicator.zone_levels:
        iris_table = selectors.table(indicator, level=zones.IRIS, periods=[period])
        iris_cells = [
            (c["zone"], charts.fmt(c["value"])) for c in iris_table.cells if c["zone"] != "total"
        ]
    context = {
        **f_context(request),
        "title": "Carte des besoins par commune",
        "indicators": candidates,
        "indicator": indicator,
        "months": [(i, p, month_label(p)) for i, p in enumerate(months)],
        "index": index,
        "period_label": month_label(period),
        "max_index": len(months) - 1,
        "per_capita": per_capita,
        "map_svg": svg,
        "legend": legend,
        "rows": sorted(
            (
                (names.get(code) or zones.name(zones.COMMUNE, code), code, charts.fmt(v))
                for code, v in values.items()
            ),
        ),
        "iris_rows": iris_cells,
        "threshold": table.threshold,
        "secret_pattern": charts.SECRET_PATTERN,
    }
    return TemplateResponse(request, "admin/territory/map.html", context)


def f_context(request) -> dict:
    site = getattr(request, "admin_site", None)
    return site.each_context(request) if site else {}


def _map_features(values: dict) -> list:
    """Communes of the EPCIs holding data (the whole shipped map when there is none)."""
    features = zones.boundaries()["features"]
    epcis = {zones.parent(code, zones.EPCI) for code in values}
    chosen = [f for f in features if zones.parent(f["properties"]["code"], zones.EPCI) in epcis]
    return chosen or features


def export(request):
    """Any table of the dashboard, as CSV or JSON (the same suppressed cells as the API)."""
    _guard(request)
    indicator = BY_CODE.get(request.GET.get("code") or "")
    if indicator is None:
        return HttpResponse(
            "Indicateur inconnu.", status=404, content_type="text/plain; charset=utf-8"
        )
    params = {
        k: v
        for k, v in request.GET.items()
        if k in ("zone_level", "from", "to", "breakdown", "zone")
    }
    try:
        q = query.parse(indicator, params)
    except query.QueryError as exc:
        return HttpResponse(
            f"Paramètre incorrect : {exc.field} ({exc.message}).",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    table = _table(indicator, q)
    stem = f"{indicator.code}_{q.level}_{q.periods[0]}_{q.periods[-1]}"
    if request.GET.get("format") == "json":
        body = {**table.as_dict(), "definition": indicator.definition, "title": indicator.title}
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False, indent=1),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.json"'
        return response
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            "indicateur",
            "niveau",
            "zone",
            "nom de la zone",
            "période",
            "ventilation",
            "valeur",
            "secret statistique",
        ]
    )
    for c in table.cells:
        writer.writerow(
            [
                indicator.code,
                q.level,
                c["zone"],
                zones.name(q.level, c["zone"]),
                c["period"],
                c["breakdown"],
                "" if c["value"] is None else str(c["value"]).replace(".", ","),
                "oui" if c["suppressed"] else "non",
            ]
        )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    return response


def definition(request, code):
    _guard(request)
    indicator = BY_CODE.get(code)
    if indicator is None:
        return HttpResponse(
            "Indicateur inconnu.", status=404, content_type="text/plain; charset=utf-8"
        )
    context = {
        **f_context(request),
        "title": indicator.title,
        "indicator": indicator,
        "breakdown_labels": [BREAKDOWNS[b][0] for b in indicator.breakdowns],
        "level_labels": [zones.LEVEL_LABELS[lvl] for lvl in indicator.zone_levels],
    }
    return TemplateResponse(request, "admin/territory/definition.html", context)
