"""Wordings from round 91's first try, a test per wording: a worry about the weather ("Storms
could hold the boats.") is no simulation, "a salmon farm in Trondheim as a supplier, 6,000 t"
keeps its size, a list item with what it is after its size ("Foggia - 25,000 t/month durum
wheat"), and the Turkish learner's "Denizli in our towel factory there is", "This as plant add
please", "Cotton supplier two we have: ...", "It Izmir warehouse from is fed"."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse
from omnitrack_realtime.engine.language.cleaning import _clean

from .talking import kinds, links, nodes, talk


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What's the weather in Bergen tomorrow? Storms could hold the boats.", ["out-of-scope"]),
        ("What if a storm in Bergen holds the boats for a week?", ["run-simulation"]),
        ("A storm in Bergen for a week", ["run-simulation"]),
        (
            "1. Suppliers\n   a. Foggia - 25,000 t/month durum wheat\n   b. Bari - 18,000 t/month",
            ["add-supplier", "add-supplier"],
        ),
    ],
)
def test_round_91_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text) == expected


def test_a_site_added_as_a_kind_keeps_its_size() -> None:
    steps = parse(
        "add our processing plant in Bergen, 9,000 tonnes a month, and a salmon farm in "
        "Trondheim as a supplier, 6,000 t, shipping to the plant."
    ).commands
    assert [(c.intent, c.params.get("capacity")) for c in steps] == [
        ("add-manufacturer", 9_000),
        ("add-supplier", 6_000),
        ("connect-nodes", None),
    ]


@pytest.mark.parametrize(
    ("said", "read"),
    [
        ("Cotton supplier two we have: Adana 20 thousand kilo", "we have two suppliers:"),
        ("Cotton suppliers two we have: Adana 30,000 kg", "we have two suppliers:"),
        ("It Izmir warehouse from is fed.", "It is fed from Izmir warehouse."),
        ("This as plant add please.", "please add This as a plant."),
    ],
)
def test_learner_sentences_in_english_order(said: str, read: str) -> None:
    assert read in _clean(said)


def test_turkish_learner_builds_the_network(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Hello. Denizli in our towel factory there is, monthly 12 thousand piece make. This as "
        "plant add please.",
        "Cotton supplier two we have: Adana 20 thousand kilo, Gaziantep 15 thousand kilo. Both "
        "to factory send.",
        "Izmir in warehouse we have, 30 thousand piece. Factory warehouse to ships. Add please.",
        "Istanbul in distribution center add, 5 thousand. It Izmir warehouse from is fed.",
    )
    assert nodes(engine) == {
        "Denizli Plant": 12_000,
        "Adana Supplier": 20_000,
        "Gaziantep Supplier": 15_000,
        "Izmir Warehouse": 30_000,
        "Istanbul Distribution Center": 5_000,
    }
    assert links(engine) == {
        ("Adana Supplier", "Denizli Plant"),
        ("Gaziantep Supplier", "Denizli Plant"),
        ("Denizli Plant", "Izmir Warehouse"),
        ("Izmir Warehouse", "Istanbul Distribution Center"),
    }
