"""Importing and exporting the network as files (CSV or JSON of nodes and links).

Pure: bytes in, a validated :class:`ImportPlan` (or a file) out; the copilot
(:mod:`.copilot`) shows the plan as a preview, keeps it in a pending confirmation and applies
it on "yes" in the turn's twin transaction. The columns are documented in docs/copilot.md
("Import and export"); an export is written in the same columns, so it reads back.

CSV: one header row, then one row per node or link. A row is a link when its ``kind`` says so
or, without ``kind``, when it has a ``source`` and a ``target``. JSON: ``{"nodes": [...],
"links": [...]}`` (``connections`` is read as ``links``) with the same keys (camelCase keys
such as ``shippingMethod`` too). Every row is checked on its own; a row with an error is
reported with its line (CSV) or its position (JSON) and left out, the others go on.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import gazetteer
from .commands import NODE_TYPES

__all__ = [
    "DATA_TYPES",
    "IMPORT_INTENT",
    "LINK_COLUMNS",
    "NODE_COLUMNS",
    "ImportPlan",
    "RowError",
    "asks_export",
    "asks_import",
    "export_network",
    "parse_import",
    "preview",
]

IMPORT_INTENT = "import-data"
EXPORT_INTENT = "export-data"
#: Attachment types an import reads.
DATA_TYPES = frozenset({"text/csv", "application/json", "text/plain"})
NODE_COLUMNS = (
    "kind",
    "name",
    "type",
    "city",
    "country",
    "region",
    "latitude",
    "longitude",
    "capacity",
    "status",
    "inventory",
    "utilization",
)
LINK_COLUMNS = ("source", "target", "shipping_method", "bidirectional")
_STATUSES = ("operational", "degraded", "disrupted", "offline")
_METHODS = ("sea", "air", "rail", "truck", "express")
_REGIONS = ("asia-pacific", "north-america", "europe", "latin-america", "middle-east")
_TYPE_WORDS = {
    **{t: t for t in NODE_TYPES},
    "distribution center": "distribution_center",
    "distribution centre": "distribution_center",
    "dc": "distribution_center",
    "plant": "manufacturer",
    "factory": "manufacturer",
    "store": "retailer",
    "vendor": "supplier",
}
_TRUE = {"true", "yes", "y", "1", "both", "two-way"}
_FALSE = {"false", "no", "n", "0", "", "one-way"}
_MAX_NAME = 100
#: Rows a preview shows of each kind.
PREVIEW_ROWS = 5

_IMPORT = re.compile(r"\b(?:import|load|upload|ingest|apply|add)\b", re.IGNORECASE)
_EXPORT = re.compile(
    r"\b(?:export|download|dump|save)\b.*\b(?:network|twin|nodes|graph|data|supply\s+chain)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"^([0-9][0-9,_ ]*(?:\.[0-9]+)?)\s*([kKmM])?\s*(?:units?|pcs|/\w+)*$")


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row was left out; ``where`` is ``line 4`` (CSV) or ``nodes #2`` (JSON)."""

    where: str
    message: str


@dataclass(slots=True)
class ImportPlan:
    """What an import would add: nodes and links as JSON-ready dicts, and the rows left out."""

    file: str
    nodes: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.nodes and not self.links


def asks_import(text: str) -> bool:
    """Whether a message sent with a data file asks to import it (an empty one does)."""
    return not text.strip() or bool(_IMPORT.search(text))


def asks_export(text: str) -> str | None:
    """``csv`` or ``json`` when the message asks for the network as a file, else None."""
    if not _EXPORT.search(text):
        return None
    return "json" if re.search(r"\bjson\b", text, re.IGNORECASE) else "csv"


# --------------------------------------------------------------------------- reading


def _key(name: str) -> str:
    key = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name.strip())  # shippingMethod
    return re.sub(r"[\s\-]+", "_", key).lower()


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, not {value!r}")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    match = _NUMBER.match(text)
    if not match:
        raise ValueError(f"{what} {text!r} is not a number (e.g. 12000, 12,000 or 12k)")
    number = float(re.sub(r"[,_ ]", "", match[1]))
    return number * {"k": 1e3, "m": 1e6}.get((match[2] or "").lower(), 1)


def _count(value: Any, what: str) -> int:
    number = _number(value, what)
    if number < 0 or number != int(number):
        raise ValueError(f"{what} must be a whole number of units, 0 or more (got {value!r})")
    return int(number)


def _fraction(value: Any) -> float:
    text = str(value).strip()
    if text.endswith("%"):
        number = _number(text[:-1], "utilization") / 100
    else:
        number = _number(value, "utilization")
        if number > 1:
            raise ValueError(
                f"utilization {text} must be a fraction 0-1 or a percentage such as 85%"
            )
    if not 0 <= number <= 1:
        raise ValueError(f"utilization {text} must be between 0 and 100%")
    return round(number, 4)


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def _node(row: Mapping[str, Any]) -> dict[str, Any]:
    name = _text(row, "name")
    if not name:
        raise ValueError("a node needs a name")
    if len(name) > _MAX_NAME or any(ord(c) < 32 for c in name):
        raise ValueError(f"the name must be printable and at most {_MAX_NAME} characters")
    raw_type = _text(row, "type").lower().replace("_", " ")
    node_type = _TYPE_WORDS.get(raw_type) or _TYPE_WORDS.get(raw_type.replace(" ", "_"))
    if node_type is None:
        allowed = ", ".join(NODE_TYPES)
        raise ValueError(f"type {_text(row, 'type') or '(empty)'!r} is not one of {allowed}")
    if not _text(row, "capacity"):
        raise ValueError("a node needs a capacity (units, e.g. 12000 or 12k)")
    capacity = _count(row.get("capacity"), "capacity")
    if capacity == 0:
        raise ValueError("capacity must be over 0")
    status = _text(row, "status").lower() or "operational"
    if status not in _STATUSES:
        raise ValueError(f"status {status!r} is not one of {', '.join(_STATUSES)}")
    inventory = (
        _count(row.get("inventory"), "inventory") if _text(row, "inventory") else capacity // 2
    )
    utilization = _fraction(row.get("utilization")) if _text(row, "utilization") else 0.5
    return {
        "name": name,
        "type": node_type,
        "location": _location(row),
        "capacity": capacity,
        "status": status,
        "inventory": inventory,
        "utilization": utilization,
    }


def _location(row: Mapping[str, Any]) -> dict[str, Any]:
    city, country = _text(row, "city"), _text(row, "country")
    lat, lon, region = _text(row, "latitude"), _text(row, "longitude"), _text(row, "region")
    if lat or lon:
        try:
            latitude, longitude = float(lat), float(lon)
        except ValueError:
            raise ValueError("latitude and longitude must both be decimal degrees") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError("latitude must be within ±90 and longitude within ±180")
        region = region.lower()
        if region not in _REGIONS:
            nearest = gazetteer.nearest_city(latitude, longitude)
            region = nearest.region
        return {
            "city": city or None,
            "country": country or None,
            "region": region,
            "latitude": latitude,
            "longitude": longitude,
        }
    for words in (f"{city}, {country}" if city and country else "", city, country, region):
        place = gazetteer.lookup(words) if words else None
        if place is not None:
            return {
                "city": place.city,
                "country": place.country,
                "region": place.region,
                "latitude": place.latitude,
                "longitude": place.longitude,
            }
    if city or country or region:
        named = ", ".join(p for p in (city, country, region) if p)
        raise ValueError(f"unknown place {named!r}: give latitude and longitude")
    raise ValueError("a node needs a city or country (or latitude and longitude)")


def _link(row: Mapping[str, Any]) -> dict[str, Any]:
    source, target = _text(row, "source"), _text(row, "target")
    if not source or not target:
        raise ValueError("a link needs a source and a target")
    if source.lower() == target.lower():
        raise ValueError("a link joins two different nodes")
    method = (_text(row, "shipping_method") or _text(row, "method")).lower() or None
    if method is not None and method not in _METHODS:
        raise ValueError(f"shipping method {method!r} is not one of {', '.join(_METHODS)}")
    both = _text(row, "bidirectional").lower()
    if both not in _TRUE | _FALSE:
        raise ValueError(f"bidirectional {both!r} must be yes or no")
    return {
        "source": source,
        "target": target,
        "shippingMethod": method,
        "bidirectional": both in _TRUE,
    }


def _rows_of_csv(text: str) -> Iterable[tuple[str, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if header is None:
            header = [_key(v) for v in values]
            continue
        row = {header[i]: v for i, v in enumerate(values) if i < len(header)}
        yield f"line {reader.line_num}", row


def _rows_of_json(data: Any) -> Iterable[tuple[str, dict[str, Any]]]:
    if not isinstance(data, dict):
        raise ValueError('the JSON must be an object: {"nodes": [...], "links": [...]}')
    for kind, key in (("node", "nodes"), ("link", "links"), ("link", "connections")):
        items = data.get(key) or []
        if not isinstance(items, list):
            raise ValueError(f'"{key}" must be a list')
        for index, item in enumerate(items, 1):
            row = {_key(k): v for k, v in item.items()} if isinstance(item, dict) else {}
            row.setdefault("kind", kind)
            if isinstance(item, dict) and isinstance(item.get("location"), dict):
                for part, value in item["location"].items():
                    row.setdefault(_key(part), value)
            yield f"{key} #{index}", row


def parse_import(
    name: str, content_type: str, data: bytes, existing: Sequence[str] = ()
) -> ImportPlan:
    """Read and check a file of nodes and links; ``existing`` are the names the twin has
    (a new node may not take one; a link may name one)."""
    plan = ImportPlan(name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        plan.errors.append(RowError("file", "the file is not UTF-8 text"))
        return plan
    is_json = content_type == "application/json" or name.lower().endswith(".json")
    try:
        rows = list(_rows_of_json(json.loads(text)) if is_json else _rows_of_csv(text))
    except ValueError as exc:
        plan.errors.append(
            RowError("file", f"not readable as {'JSON' if is_json else 'CSV'}: {exc}")
        )
        return plan
    taken = {n.lower() for n in existing}
    for where, row in rows:
        kind = _text(row, "kind").lower()
        if not kind:
            kind = "link" if _text(row, "source") and _text(row, "target") else "node"
        try:
            if kind == "node":
                node = _node(row)
                if node["name"].lower() in taken:
                    raise ValueError(f"a node named {node['name']!r} already exists")
                taken.add(node["name"].lower())
                plan.nodes.append(node)
            elif kind in ("link", "connection"):
                link = _link(row)
                for end in (link["source"], link["target"]):
                    if end.lower() not in taken:
                        raise ValueError(f"no node named {end!r} in the twin or the file")
                plan.links.append(link)
            else:
                raise ValueError(f"kind {kind!r} is neither node nor link")
        except ValueError as exc:
            plan.errors.append(RowError(where, str(exc)))
    if not rows:
        plan.errors.append(RowError("file", "no rows: a header and at least one row are needed"))
    return plan


# --------------------------------------------------------------------------- answers


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def preview(plan: ImportPlan) -> str:
    """The preview answer: counts, the first rows, every row error, and the question."""
    lines = [
        f"Import preview of **{plan.file}**: {_plural(len(plan.nodes), 'node')} and"
        f" {_plural(len(plan.links), 'link')} to add"
        + (f"; {_plural(len(plan.errors), 'row')} left out." if plan.errors else ".")
    ]
    if plan.nodes:
        lines += ["", "| name | type | location | capacity | status |", "|---|---|---|---|---|"]
        for node in plan.nodes[:PREVIEW_ROWS]:
            place = node["location"]
            where = ", ".join(p for p in (place["city"], place["country"]) if p) or place["region"]
            kind = node["type"].replace("_", " ")
            lines.append(
                f"| {node['name']} | {kind} | {where} | {node['capacity']:,} | {node['status']} |"
            )
        if len(plan.nodes) > PREVIEW_ROWS:
            lines.append(f"\n…and {len(plan.nodes) - PREVIEW_ROWS} more nodes.")
    if plan.links:
        lines.append("")
        for link in plan.links[:PREVIEW_ROWS]:
            arrow = "↔" if link["bidirectional"] else "→"
            method = f" ({link['shippingMethod']})" if link["shippingMethod"] else ""
            lines.append(f"- {link['source']} {arrow} {link['target']}{method}")
        if len(plan.links) > PREVIEW_ROWS:
            lines.append(f"- …and {len(plan.links) - PREVIEW_ROWS} more links")
    if plan.errors:
        lines += ["", "Rows with errors (not imported):"]
        lines += [f"- {error.where}: {error.message}" for error in plan.errors]
    lines.append("")
    if plan.empty:
        lines.append("Nothing to import: fix the rows above and attach the file again.")
    else:
        lines.append("Import these into your twin? (yes/no)")
    return "\n".join(lines)


def export_network(
    nodes: Sequence[Mapping[str, Any]],
    links: Sequence[Mapping[str, Any]],
    id_to_name: Mapping[str, str],
    fmt: str,
) -> tuple[str, str, bytes]:
    """The network as a file (name, media type, bytes) in the import's columns: nodes as
    :meth:`~.twin.Node.to_dict` gives them, links as :meth:`~.twin.Connection.to_dict`."""
    node_rows = [
        {
            "kind": "node",
            "name": n["name"],
            "type": n["type"],
            "city": n["location"].get("city") or "",
            "country": n["location"].get("country") or "",
            "region": n["location"].get("region") or "",
            "latitude": n["location"].get("latitude"),
            "longitude": n["location"].get("longitude"),
            "capacity": n["capacity"],
            "status": n["status"],
            "inventory": n["inventory"],
            "utilization": n["utilization"],
        }
        for n in nodes
    ]
    link_rows = [
        {
            "kind": "link",
            "source": id_to_name.get(c["source"], c["source"]),
            "target": id_to_name.get(c["target"], c["target"]),
            "shipping_method": c.get("shippingMethod") or "",
            "bidirectional": "yes" if c.get("bidirectional") else "no",
        }
        for c in links
    ]
    if fmt == "json":
        body = {
            "nodes": [{k: v for k, v in row.items() if k != "kind"} for row in node_rows],
            "links": [{k: v for k, v in row.items() if k != "kind"} for row in link_rows],
        }
        return "network.json", "application/json", json.dumps(body, indent=2).encode()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*NODE_COLUMNS, *LINK_COLUMNS], lineterminator="\n")
    writer.writeheader()
    for row in [*node_rows, *link_rows]:
        writer.writerow(row)
    return "network.csv", "text/csv", out.getvalue().encode()
