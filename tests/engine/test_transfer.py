"""Import and export files, pure: columns, units and types checked row by row, errors with
their line, the preview's words, and an export that reads back."""

from __future__ import annotations

import json

from omnitrack_realtime.engine import transfer

CSV = b"""name,type,city,capacity,status,utilization,source,target,shipping_method
Acme Metals,supplier,Shanghai,"12,000",operational,85%,,,
Plant Lyon,plant,Lyon,9.5k,,0.7,,,
Broken,spaceport,Paris,100,,,,,
NoCap,warehouse,Paris,,,,,,
Lots,warehouse,Paris,lots,,,,,
Acme Metals,supplier,Tokyo,10,,,,,
Nowhere Hub,warehouse,Xqzzyville,10,,,,,
,,,,,,Acme Metals,Plant Lyon,sea
,,,,,,Acme Metals,Ghost,air
"""


def test_csv_rows_are_checked_one_by_one_with_their_lines() -> None:
    plan = transfer.parse_import("suppliers.csv", "text/csv", CSV, existing=["Old DC"])
    assert [n["name"] for n in plan.nodes] == ["Acme Metals", "Plant Lyon"]
    acme, lyon = plan.nodes
    assert acme["capacity"] == 12_000 and acme["utilization"] == 0.85
    assert acme["location"]["country"] == "China" and acme["type"] == "supplier"
    assert lyon["type"] == "manufacturer" and lyon["capacity"] == 9_500
    assert lyon["inventory"] == 4_750 and lyon["status"] == "operational"
    assert plan.links == [
        {
            "source": "Acme Metals",
            "target": "Plant Lyon",
            "shippingMethod": "sea",
            "bidirectional": False,
        }
    ]
    errors = {e.where: e.message for e in plan.errors}
    assert "is not one of supplier" in errors["line 4"]
    assert "needs a capacity" in errors["line 5"]
    assert "'lots' is not a number" in errors["line 6"]
    assert "already exists" in errors["line 7"]
    assert "unknown place 'Xqzzyville'" in errors["line 8"]
    assert "no node named 'Ghost'" in errors["line 10"]
    assert len(errors) == 6
    text = transfer.preview(plan)
    assert text.startswith("Import preview of **suppliers.csv**: 2 nodes and 1 link to add;")
    assert "| Acme Metals | supplier | Shanghai, China | 12,000 | operational |" in text
    assert "- line 6: capacity 'lots' is not a number" in text
    assert text.endswith("Import these into your twin? (yes/no)")


def test_json_nodes_and_links_and_an_unreadable_file() -> None:
    body = {
        "nodes": [
            {
                "name": "Rotterdam DC",
                "type": "distribution center",
                "city": "Rotterdam",
                "capacity": 5000,
            },
            {"name": "Bad", "type": "warehouse", "latitude": 95, "longitude": 0, "capacity": 1},
        ],
        "connections": [
            {
                "source": "Rotterdam DC",
                "target": "Old DC",
                "shippingMethod": "rail",
                "bidirectional": True,
            }
        ],
    }
    plan = transfer.parse_import(
        "n.json", "application/json", json.dumps(body).encode(), ["Old DC"]
    )
    assert [n["type"] for n in plan.nodes] == ["distribution_center"]
    assert plan.links[0]["shippingMethod"] == "rail" and plan.links[0]["bidirectional"]
    assert [e.where for e in plan.errors] == ["nodes #2"]
    broken = transfer.parse_import("x.json", "application/json", b"{nope")
    assert broken.empty and broken.errors[0].where == "file"
    assert "Nothing to import" in transfer.preview(broken)


def test_an_export_reads_back_as_an_import() -> None:
    plan = transfer.parse_import("suppliers.csv", "text/csv", CSV)
    nodes = [{**n, "id": f"n-{i}", "location": n["location"]} for i, n in enumerate(plan.nodes)]
    links = [{"source": "n-0", "target": "n-1", "shippingMethod": "sea", "bidirectional": False}]
    names = {n["id"]: n["name"] for n in nodes}
    for fmt in ("csv", "json"):
        name, content_type, data = transfer.export_network(nodes, links, names, fmt)
        back = transfer.parse_import(name, content_type, data)
        assert back.errors == [] and [n["name"] for n in back.nodes] == [
            "Acme Metals",
            "Plant Lyon",
        ]
        assert back.links == plan.links


def test_what_asks_for_an_import_or_an_export() -> None:
    assert transfer.asks_import("import the attached suppliers.csv")
    assert transfer.asks_import("")
    assert not transfer.asks_import("what is this?")
    assert transfer.asks_export("export my network") == "csv"
    assert transfer.asks_export("please export the network as JSON") == "json"
    assert transfer.asks_export("show my network") is None
