"""Wordings from round 99's first try, a test per wording: "tot wh cap?" (and "tot ziens" left
alone), a demand spike said before " - which of the two ...?", a pasted list item with what the
supplier supplies before its size ("Manaus - botanical extracts, 6,000 kg/month"), "what actually
goes into the risk score?", "Houston's port has a backlog anyway, mark ...", "the sites in
Austria and the Czech Republic", "Actually revert that, ..." after an undo (a redo), "tell me
what X's capacity is now", and the Turkish learner's "we from Adana buy", "Adana supplier 50000
kg monthly give", "Mersin port near one warehouse we have", "Goods factory from warehouse to go",
"This center goods directly factory from takes", "2 week send cannot"."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse

from .talking import kinds, links, nodes, talk

_NAMES = ("Houston Supplier", "Fromagerie Sarthe", "Linz Distribution Center", "Brno Warehouse")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tot wh cap?", ["list-nodes"]),
        ("Dank je wel, tot ziens!", ["smalltalk"]),
        (
            "And a 25% demand spike across North America for a month - which of the two "
            "scenarios costs us more?",
            ["what-if-demand-spike", "compare-simulations"],
        ),
        (
            "How did you compute that - what actually goes into the risk score?",
            ["explain"],
        ),
        (
            "Good. Houston's port has a backlog anyway, mark Houston Supplier degraded for now.",
            ["update-node"],
        ),
        (
            "Undo that, and tell me what Fromagerie Sarthe's capacity is now.",
            ["undo", "get-node-details"],
        ),
    ],
)
def test_round_99_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_the_sites_in_two_countries() -> None:
    (listing,) = parse(
        "Now list the sites in Austria and the Czech Republic.", known_names=_NAMES
    ).commands
    assert [p.country for p in listing.params["places"]] == ["Austria", "Czech Republic"]


def test_a_list_item_says_what_it_supplies_before_its_size() -> None:
    adds = parse(
        "1. Suppliers\n   a. Manaus - botanical extracts, 6,000 kg/month\n   b. Sorocaba - "
        "packaging, 40,000 units/month"
    ).commands
    assert [(c.params["place"].city, c.params["capacity"]) for c in adds] == [
        ("Manaus", 6_000),
        ("Sorocaba", 40_000),
    ]


def test_revert_that_after_an_undo_redoes(engine: SupplyChainEngine) -> None:
    talk(engine, "add a supplier in Caen", "mark it degraded", "undo that")
    assert talk(engine, "Actually revert that, Caen really is short on milk this month.") == [
        ["redo"]
    ]
    (supplier,) = engine.twin.list_nodes("wordings-user")
    assert supplier.status == "degraded"


def test_turkish_learner_buys_and_keeps(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Hello. We Denizli in towel factory have, monthly 40,000 piece produce. This factory "
        "system to please add.",
        "Cotton yarn we from Adana buy. Adana supplier 50000 kg monthly give. This supplier also "
        "add, and factory to connect please.",
        "Export for, Mersin port near one warehouse we have, capacity 20000 piece. Goods factory "
        "from warehouse to go. Please add.",
        "Ankara in also distribution center we have, 10000 piece. This center goods directly "
        "factory from takes.",
    )
    assert nodes(engine) == {
        "Denizli Plant": 40_000,
        "Adana Supplier": 50_000,
        "Mersin Warehouse": 20_000,
        "Ankara Distribution Center": 10_000,
    }
    assert links(engine) == {
        ("Adana Supplier", "Denizli Plant"),
        ("Denizli Plant", "Mersin Warehouse"),
        ("Denizli Plant", "Ankara Distribution Center"),
    }
    assert talk(engine, "If Adana supplier 2 week send cannot, to us what happen?") == [
        ["what-if-supplier-failure"]
    ]
