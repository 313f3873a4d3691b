"""Analyse des besoins sociaux (CASF R123-1): a yearly report per commune, printable.

For each indicator, by theme: its definition; the year's figure for the commune, its EPCI and
its département (each a suppressed table of its own); the commune's IRIS where known; the
month-by-month series; and the map of persons supported across the commune's EPCI. The page
prints as is (print style sheet); ``?format=html`` downloads a standalone HTML file to print
or archive.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone

from territory import selectors, zones
from territory.admin import charts
from territory.admin.access import may_view
from territory.admin.views import _map_features, f_context, month_label
from territory.catalogue import INDICATORS
from territory.models import Cell


def _value(indicator, level, code, period, communes) -> str:
    table = selectors.table(indicator, level=level, periods=[period], zone_filter=communes)
    wanted = "median" if indicator.kind == "delay" else "total"
    for cell in table.cells:
        if cell["zone"] == "total" and cell["breakdown"] == wanted:
            return charts.fmt(cell["value"])
    return "0"


def _communes_with_data() -> list[tuple[str, str]]:
    codes = Cell.objects.filter(level=zones.COMMUNE).values_list("commune", flat=True).distinct()
    return sorted((zones.name(zones.COMMUNE, c), c) for c in codes)


def yearly_report(request):
    if not may_view(request.user):
        raise PermissionDenied
    choices = _communes_with_data()
    code = request.GET.get("commune") or (choices[0][1] if choices else "69266")
    if not zones.valid_zone(zones.COMMUNE, code):
        code = choices[0][1] if choices else "69266"
    try:
        year = int(request.GET.get("annee") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2000), 2100)
    commune = zones.commune(code)
    epci, dep = commune.epci, commune.departement
    scopes = (
        (zones.COMMUNE, {code}),
        (zones.EPCI, set(zones.communes_in(zones.EPCI, epci)) if epci else {code}),
        (zones.DEPARTEMENT, set(zones.communes_in(zones.DEPARTEMENT, dep))),
    )
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    themes: dict = {}
    for indicator in INDICATORS:
        figures = [
            (zones.LEVEL_LABELS[level], _value(indicator, level, code, str(year), communes))
            for level, communes in scopes
        ]
        series_table = selectors.table(
            indicator, level=zones.COMMUNE, periods=months, zone_filter={code}
        )
        wanted = "median" if indicator.kind == "delay" else "total"
        series = [
            (
                month_label(p),
                next(
                    (
                        c["value"]
                        for c in series_table.cells
                        if c["period"] == p and c["zone"] == "total" and c["breakdown"] == wanted
                    ),
                    0,
                ),
            )
            for p in months
        ]
        iris = []
        if zones.IRIS in indicator.zone_levels:
            iris_table = selectors.table(
                indicator, level=zones.IRIS, periods=[str(year)], zone_filter={code}
            )
            iris = [
                (c["zone"], charts.fmt(c["value"]))
                for c in iris_table.cells
                if c["zone"] != "total" and c["breakdown"] == wanted
            ]
        themes.setdefault(indicator.theme or "Autres", []).append(
            {
                "ind": indicator,
                "figures": figures,
                "iris": iris,
                "svg": charts.line_chart(series, title=indicator.title, unit=indicator.unit),
            }
        )
    persons = selectors.table(
        next(i for i in INDICATORS if i.code == "persons_supported"),
        level=zones.COMMUNE,
        periods=[str(year)],
        zone_filter=set(scopes[1][1]),
    )
    values = {c["zone"]: c["value"] for c in persons.cells if c["zone"] != "total"}
    features = _map_features(values or {code: None})
    names = {f["properties"]["code"]: f["properties"]["nom"] for f in features}
    map_svg, legend = charts.choropleth(features, values, names, title="Personnes accompagnées")
    context = {
        **f_context(request),
        "title": f"Analyse des besoins sociaux {year} — {commune.name}",
        "commune": commune,
        "epci_name": zones.name(zones.EPCI, epci) if epci else "",
        "dep_name": zones.name(zones.DEPARTEMENT, dep),
        "year": year,
        "choices": choices,
        "themes": list(themes.items()),
        "map_svg": map_svg,
        "legend": legend,
        "secret_pattern": charts.SECRET_PATTERN,
        "threshold": selectors.threshold(),
        "generated": timezone.localtime(),
    }
    if request.GET.get("format") == "html":
        css_path = finders.find("territory/observatory.css")
        css = Path(css_path).read_text(encoding="utf-8") if css_path else ""
        body = render_to_string("admin/territory/report_standalone.html", {**context, "css": css})
        response = HttpResponse(body, content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="abs_{code}_{year}.html"'
        return response
    return TemplateResponse(request, "admin/territory/report.html", context)
