"""Charts and the choropleth map drawn as SVG on the server: no JavaScript library, no CDN,
readable without colour (values written next to the marks, patterns for secret cells, a data
table beside every figure)."""

from __future__ import annotations

import math

from django.utils.html import escape

# Sequential palette, light to dark (ColorBrewer "Blues", colour-blind safe; it also reads in
# grey levels, and each class is named in the legend).
PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
SECRET_PATTERN = (
    '<pattern id="secret" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#555" stroke-width="2"/></pattern>'
)


def fmt(value) -> str:
    if value is None:
        return "secret"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return f"{int(value):,}".replace(",", "\u202f")


def line_chart(points: list[tuple[str, float | None]], *, title: str, unit: str) -> str:
    """Bars per month with their value above; a secret month is a hatched bar marked 'secret'."""
    width, height, left, bottom, top = 720, 260, 48, 40, 24
    known = [v for _, v in points if v is not None]
    peak = max(known) if known else 1
    peak = peak or 1
    step = (width - left - 10) / max(len(points), 1)
    bar = max(step * 0.6, 2)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<defs>{SECRET_PATTERN}</defs>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        'stroke="#333"/>',
        f'<text x="4" y="14" class="axis">{escape(unit)}</text>',
    ]
    usable = height - bottom - top
    for i, (label, value) in enumerate(points):
        x = left + i * step + (step - bar) / 2
        if value is None:
            h, fill = usable * 0.15, "url(#secret)"
        else:
            h, fill = usable * (value / peak), PALETTE[3]
        y = height - bottom - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{fill}" '
            f'stroke="#08306b"><title>{escape(label)} : {escape(fmt(value))}</title></rect>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="value">'
            f"{escape(fmt(value))}</text>"
        )
        if len(points) <= 13 or i % 2 == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'class="axis">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(rows: list[tuple[str, float | None]], *, title: str) -> str:
    """Horizontal bars, one per breakdown value, value written at the end of each bar."""
    width, row_h, label_w = 720, 26, 260
    height = row_h * max(len(rows), 1) + 10
    known = [v for _, v in rows if v is not None]
    peak = (max(known) if known else 1) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<defs>{SECRET_PATTERN}</defs>",
    ]
    for i, (label, value) in enumerate(rows):
        y = 5 + i * row_h
        w = (width - label_w - 80) * ((value or 0) / peak) if value is not None else 40
        fill = "url(#secret)" if value is None else PALETTE[3]
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" class="axis">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row_h - 8}" '
            f'fill="{fill}" stroke="#08306b"/>'
            f'<text x="{label_w + max(w, 1) + 6:.1f}" y="{y + 17}" class="value">'
            f"{escape(fmt(value))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def classes(values: list[float]) -> list[float]:
    """Upper bounds of up to five classes (quantiles of the published values)."""
    values = sorted(v for v in values if v is not None and v > 0)
    if not values:
        return []
    bounds = []
    for k in range(1, 6):
        bound = values[min(len(values) - 1, math.ceil(k * len(values) / 5) - 1)]
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds


def class_of(value, bounds) -> int:
    for index, bound in enumerate(bounds):
        if value <= bound:
            return index
    return len(bounds) - 1


def _ring_path(ring, project) -> str:
    points = [project(lon, lat) for lon, lat in ring]
    return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z"


def choropleth(features: list[dict], values: dict, names: dict, *, title: str) -> tuple[str, list]:
    """The map (SVG) and its legend rows [(swatch, label)] for ``values`` {code: value|None}.

    Communes without a value are white with a grey border; secret ones are hatched.
    """
    lons, lats = [], []
    for feature in features:
        for polygon in feature["geometry"]["coordinates"]:
            for lon, lat in polygon[0]:
                lons.append(lon)
                lats.append(lat)
    if not lons:
        return "", []
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    scale_x = math.cos(math.radians((north + south) / 2))
    width = 720
    span_x = max((east - west) * scale_x, 1e-6)
    height = int(width * (north - south) / span_x) + 1

    def project(lon, lat):
        return (lon - west) * scale_x / span_x * width, (north - lat) / (north - south) * height

    bounds = classes(list(values.values()))
    parts = [
        f'<svg class="map" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<defs>{SECRET_PATTERN}</defs>",
    ]
    labels = []
    for feature in features:
        code = feature["properties"]["code"]
        has = code in values
        value = values.get(code)
        if not has:
            fill = "#ffffff"
        elif value is None:
            fill = "url(#secret)"
        elif value == 0 or not bounds:
            fill = "#ffffff"
        else:
            fill = PALETTE[class_of(value, bounds) + (5 - len(bounds))]
        path = "".join(
            _ring_path(polygon[0], project) for polygon in feature["geometry"]["coordinates"]
        )
        text = f"{names.get(code, code)} : {fmt(value) if has else 'aucune donnée'}"
        parts.append(
            f'<path d="{path}" fill="{fill}" stroke="#666" stroke-width="0.6" '
            f'data-code="{escape(code)}"><title>{escape(text)}</title></path>'
        )
        if has:
            ring = max((p[0] for p in feature["geometry"]["coordinates"]), key=len)
            x = sum(project(lon, lat)[0] for lon, lat in ring) / len(ring)
            y = sum(project(lon, lat)[1] for lon, lat in ring) / len(ring)
            labels.append(
                f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" class="map-label">'
                f"{escape(fmt(value))}</text>"
            )
    parts.extend(labels)
    parts.append("</svg>")
    legend = []
    low = 0
    offset = 5 - len(bounds)
    for index, bound in enumerate(bounds):
        legend.append((PALETTE[index + offset], f"de {fmt(low)} à {fmt(bound)}"))
        low = bound
    legend.append(("url(#secret)", "secret statistique (moins de personnes que le seuil)"))
    legend.append(("#ffffff", "aucune donnée ou zéro"))
    return "".join(parts), legend
