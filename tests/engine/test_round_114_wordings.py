"""Wordings from round 114's first try, a test per wording fixed after it: "2 stores, amsterdam +
rotterdam, both stocked from utrecht dc", "tilburg wh 40k -> 45k", "The audit committee always
asks about supplier concentration." after a question, "kept in a big shed in Nairobi before they
go out to the shops. ... please put it in: it holds around 20,000 bottles and gets the juice
from Thika", a Mandarin speaker's "Please help me add this factory", "If Nashik Supplier stopped
shipping for ten days, what would break downstream?", "Hang on, not Brescia, Cremona." and "what
feeds the new one now?" after the node talked about was removed. Round 114 passes whole after
these."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.seam import EngineRequest

from .talking import USER, city, commands, kinds, open_engine, talk


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SupplyChainEngine]:
    engine = open_engine(tmp_path)
    yield engine
    engine.close()


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "2 stores, amsterdam + rotterdam, both stocked from utrecht dc",
            ("Utrecht Distribution Center",),
            ["add-retailer", "add-retailer", "connect-nodes"],
        ),
        ("tilburg wh 40k -> 45k", ("Tilburg Warehouse",), ["update-node"]),
        (
            "Where is our biggest exposure? The audit committee always asks about supplier "
            "concentration.",
            (),
            ["identify-risks"],
        ),
        (
            "The bottles are kept in a big shed in Nairobi before they go out to the shops. I "
            "believe that counts as a warehouse, so please put it in: it holds around 20,000 "
            "bottles and gets the juice from Thika.",
            ("Machakos Supplier", "Thika Plant"),
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "Hello, I am Lily. Our company make stainless steel pot, factory is in Yongkang, one "
            "month can produce 30,000 piece. Please help me add this factory.",
            (),
            ["add-manufacturer"],
        ),
        (
            "If Nashik Supplier stopped shipping for ten days, what would break downstream?",
            ("Nashik Supplier",),
            ["what-if-supplier-failure"],
        ),
    ],
)
def test_round_114_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_a_size_from_the_old_to_the_new() -> None:
    (change,) = commands("tilburg wh 40k -> 45k", ("Tilburg Warehouse",))
    assert change.params["capacity"] == 45_000
    # a number in a node's name is no old size (the bench's own request caught it)
    (change,) = commands(
        "set the capacity of Salvador Warehouse 201 to 30000", ("Salvador Warehouse 201",)
    )
    assert change.intent == "update-node" and change.params["capacity"] == 30_000


def test_hang_on_corrects_the_town_of_the_add() -> None:
    (add,) = commands(
        "Put in a milk supplier in Brescia, 9,000 litres a week. Hang on, not Brescia, Cremona."
    )
    assert city(add) == "Cremona" and add.params["capacity"] == 9000


def test_the_new_one_after_a_removal_is_the_node_added_last(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "We source our oil from a co-op in Granada, roughly 15,000 litres a month. Put it in as "
        "a supplier.",
        "Now two warehouses: one in Seville, 30,000, and one in Valencia, 20,000.",
        "Connect the supplier to both of them.",
        "Then a distribution centre in Zaragoza, 10,000, and have the second warehouse supply it.",
        "How big is the first warehouse again?",
        "We're giving that one up when the lease runs out. Take it out.",
        "Yes, go ahead.",
    )
    outcome = engine.run_turn(EngineRequest(USER, "c1", "And what feeds the new one now?", ()))
    assert "Valencia Warehouse" in outcome.text
