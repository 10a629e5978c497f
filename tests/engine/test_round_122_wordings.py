"""Wordings from round 122's first try, a test per wording fixed after it: "2nd sup toluca 8k
-> plant too" (a second supplier, new), "a side-by-side of A and B", "Could you possibly add all
of those for me?" after a description (and the size said between two of its places),
"connect the workshop to the warehouse, and the warehouse to both shops" and "... to the Bergen
plant, and the plant to Oslo" (two links), a list item "4. Ship from Campinas to both DCs" (the
item's number is not a size), "Now just the degraded ones." after a list, and a Ukrainian
speaker's English ("12 thousands tons", "Both of them is delivering to fabric", "Connect please
fabric with this warehouse", "Which is actual capacity of warehouse in Odesa?", "Make please the
simulation.", "for export in Poland", "it must to take oil from fabric too")."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import commands, ends, kinds, links, nodes, talk

_OIL = ("Dnipro Plant", "Poltava Supplier", "Odesa Warehouse")


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "2nd sup toluca 8k -> plant too",
            ("Monterrey Plant", "Saltillo Supplier"),
            ["add-supplier", "connect-nodes"],
        ),
        (
            "Give me a side-by-side of Penang Plant and Johor Bahru Plant.",
            ("Penang Plant", "Johor Bahru Plant"),
            ["compare-nodes"],
        ),
        (
            "Next:\n1. Add a DC in Recife, 15,000\n2. Ship from Campinas to both DCs",
            ("Campinas Plant", "Belo Horizonte Distribution Center"),
            ["add-distributor", "connect-nodes"],
        ),
        (
            "Sunflower seeds we buy from two suppliers: in Poltava on 12 thousands tons and in "
            "Kropyvnytskyi on 9 thousands tons. Both of them is delivering to fabric.",
            ("Dnipro Plant",),
            ["add-supplier", "add-supplier", "connect-nodes", "connect-nodes"],
        ),
        (
            "Also we have warehouse in Odesa near to port, 15 thousands tons. Connect please "
            "fabric with this warehouse.",
            ("Dnipro Plant", "Poltava Supplier"),
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "Which is actual capacity of warehouse in Odesa? I don't remember exactly what I was "
            "wrote.",
            _OIL,
            ["get-node-details"],
        ),
        (
            "What will be if port in Odesa will be closed on 10 days? Make please the simulation.",
            _OIL,
            ["what-if-port-closure"],
        ),
        (
            "Okay. Then we need one more warehouse in Lviv for export in Poland, 8 thousands tons, "
            "it must to take oil from fabric too.",
            _OIL,
            ["add-warehouse", "connect-nodes"],
        ),
    ],
)
def test_round_122_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_a_learner_s_plural_thousands_is_the_size() -> None:
    (add,) = commands("Also we have warehouse in Odesa near to port, 15 thousands tons.", _OIL[:1])
    assert add.params["capacity"] == 15_000


def test_the_kind_said_again_starts_a_second_link() -> None:
    first, second = commands(
        "OK now connect the Stavanger supplier to the Bergen plant, and the plant to Oslo.",
        ("Stavanger Supplier", "Bergen Plant", "Oslo Warehouse"),
    )
    assert ends(first) == ("Stavanger Supplier", "Bergen Plant")
    assert ends(second) == ("plant", "Oslo")


def test_a_described_warehouse_keeps_the_size_said_beside_it(engine: SupplyChainEngine) -> None:
    talk(engine, "Please add our little soap workshop in Galway as a plant, 3,000 bars a month.")
    said = talk(
        engine,
        "The finished soap goes to a small warehouse in Limerick (I believe it holds about 4,000 "
        "bars) and from there out to two shops, one in Dublin and one in Waterford. Could you "
        "possibly add all of those for me?",
        "Could you connect the workshop to the warehouse, and the warehouse to both shops?",
    )
    assert said == [
        ["add-warehouse", "add-retailer", "add-retailer"],
        ["connect-nodes", "connect-nodes", "connect-nodes"],
    ]
    assert nodes(engine)["Limerick Warehouse"] == 4_000
    assert links(engine) == {
        ("Galway Plant", "Limerick Warehouse"),
        ("Limerick Warehouse", "Dublin Store"),
        ("Limerick Warehouse", "Waterford Store"),
    }


def test_just_the_degraded_ones_narrows_the_list_just_shown(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Add warehouses in Madrid, Valencia and Lisbon.",
        "Mark Valencia Warehouse degraded.",
        "List all warehouses with their capacity.",
    )
    assert talk(engine, "Now just the degraded ones.") == [["list-nodes"]]
    assert nodes(engine) == {
        "Madrid Warehouse": 20_000,
        "Valencia Warehouse": 20_000,
        "Lisbon Warehouse": 20_000,
    }
