"""Wordings from round 97's first try, a test per wording: "dc guadalajra 8k, from the wh",
"What does it cost us if Stellenbosch Supplier fails ...?" (simulated "it", another node), "And
the same for Paarl Supplier. Which of the two hurts more?", "Surat Thani" (read as Surat, India)
and "Nonthaburi" (the world table's "Mueang Nonthaburi"), a size taken back after its unit and
goods ("15,000 tonnes of latex a month. No wait, make it 12,000."), "Quick check before phase 3:
...", "How loaded is the Hyderabad plant, and what would you recommend for it?", and the
Turkish learner's "Cotton from Adana supplier we take", "Also this supplier add", "Our warehouse
Mersin port near is", "From factory to warehouse goods goes", "This one also to factory
connect please"."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine import gazetteer
from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse

from .talking import kinds, links, nodes, talk

_NAMES = ("Aguascalientes Warehouse", "Hyderabad Plant", "Stellenbosch Supplier", "Paarl Supplier")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dc guadalajra 8k, from the wh", ["add-distributor", "connect-nodes"]),
        (
            "Quick check before phase 3: list the DCs with their capacities",
            ["list-nodes"],
        ),
        (
            "How loaded is the Hyderabad plant, and what would you recommend for it?",
            ["calculate-utilization", "recommend"],
        ),
    ],
)
def test_round_97_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_the_node_named_fails_not_it() -> None:
    (what_if,) = parse(
        "What does it cost us if Stellenbosch Supplier fails for three weeks?", known_names=_NAMES
    ).commands
    assert what_if.params["node"].text == "Stellenbosch Supplier"


@pytest.mark.parametrize(
    ("text", "city", "country"),
    [
        ("Add a supplier in Surat Thani, 15,000 tonnes", "Surat Thani", "Thailand"),
        ("Add a supplier in Surat, 15,000 tonnes", "Surat", "India"),
        ("the warehouse is in Nonthaburi", "Nonthaburi", "Thailand"),
        ("a plant in Mexico City", "Mexico City", "Mexico"),
    ],
)
def test_the_longer_town_name_wins(text: str, city: str, country: str) -> None:
    ((_span, place),) = gazetteer.find_places(text)
    assert (place.city, place.country) == (city, country)


def test_a_size_taken_back_after_its_unit_and_goods() -> None:
    (add,) = parse(
        "Add a supplier in Surat Thani, 15,000 tonnes of latex a month. No wait, make it 12,000."
    ).commands
    assert add.params["capacity"] == 12_000


def test_the_same_for_another_node_then_compare(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "add suppliers in Stellenbosch and Paarl, both shipping to a plant in Cape Town",
        "What does it cost us if Stellenbosch Supplier fails for three weeks?",
    )
    said = talk(engine, "And the same for Paarl Supplier. Which of the two hurts more?")
    assert said == [["what-if-supplier-failure", "compare-simulations"]]


def test_turkish_learner_takes_cotton_and_keeps_a_warehouse(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Hello. We in Denizli towel factory have, 30,000 piece for month. This factory as plant "
        "please add.",
        "Cotton from Adana supplier we take, 25,000 kg monthly. Also this supplier add and to "
        "factory connect.",
        "Second cotton supplier in Gaziantep also there is, 12,000 kg. This one also to factory "
        "connect please.",
        "Our warehouse Mersin port near is, 20,000 piece. From factory to warehouse goods goes, "
        "please add.",
    )
    assert nodes(engine) == {
        "Denizli Plant": 30_000,
        "Adana Supplier": 25_000,
        "Gaziantep Supplier": 12_000,
        "Mersin Warehouse": 20_000,
    }
    assert links(engine) == {
        ("Adana Supplier", "Denizli Plant"),
        ("Gaziantep Supplier", "Denizli Plant"),
        ("Denizli Plant", "Mersin Warehouse"),
    }
