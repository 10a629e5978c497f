"""Wordings from round 96's first try, a test per wording, including its wrong destructive
action: "Have the plant ship to the first and the last as well." linked the first warehouse
to the plant the wrong way (the plant, said as the subject, was left out) and read "the last"
as the plant, so "the smallest one" and then "just remove it" pointed at a warehouse the user
kept (removed on "yes"). Also: "We've approved the capex to expand Calgary by 50%. Please
reflect that.", a size said with "add them as one supplier there, roughly 20,000 kg", the
user's words "our growers' co-op" and "our knitting unit" for nodes, "Set Caen Plant to 22,500
instead", and the Turkish learner's "Cotton from Gaziantep supplier coming", "Also Adana
supplier there is", "After factory, products to Istanbul warehouse going. Warehouse capacity
30,000 piece."."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse

from .talking import USER, ends, kinds, links, nodes, talk

_NAMES = ("Leipzig Warehouse", "Dortmund Warehouse", "Bremen Warehouse", "Stuttgart Plant")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Have the plant ship to the first and the last as well.",
            ["connect-nodes", "connect-nodes"],
        ),
        (
            "We've approved the capex to expand Leipzig Warehouse by 50%. Please reflect that.",
            ["update-node"],
        ),
        ("Set Stuttgart Plant to 22,500 instead", ["update-node"]),
    ],
)
def test_round_96_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_the_kind_said_as_the_subject_is_the_source() -> None:
    links_said = parse(
        "the plant ships to Leipzig Warehouse and Bremen Warehouse as well", known_names=_NAMES
    ).commands
    assert [ends(c) for c in links_said] == [
        ("plant", "Leipzig Warehouse"),
        ("plant", "Bremen Warehouse"),
    ]


def test_the_first_and_the_last_are_of_the_listed_warehouses(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "We build e-bikes. Add three warehouses: Leipzig 10,000, Dortmund 14,000 and Bremen 9,000.",
        "Now add our assembly plant in Stuttgart, 12,000 bikes a month. Connect it to the second "
        "warehouse.",
        "How big is that one again?",
        "Have the plant ship to the first and the last as well.",
    )
    assert links(engine) == {
        ("Stuttgart Plant", "Leipzig Warehouse"),
        ("Stuttgart Plant", "Dortmund Warehouse"),
        ("Stuttgart Plant", "Bremen Warehouse"),
    }
    talk(engine, "Mark the smallest one degraded, the roof is leaking again.")
    degraded = [n.name for n in engine.twin.list_nodes(USER) if n.status == "degraded"]
    assert degraded == ["Bremen Warehouse"]


@pytest.mark.parametrize(
    ("added", "asked"),
    [
        (
            "add our growers' co-op in Uruapan as a supplier, 60,000 boxes a month, and our "
            "packhouse in Morelia as a plant, 45,000 boxes.",
            "Connect the co-op to the packhouse.",
        ),
        (
            "add a supplier in Uruapan. Now add our knitting unit in Morelia as a plant.",
            "ok, now connect the Uruapan supplier to the knitting unit",
        ),
    ],
)
def test_the_users_own_words_for_a_node(engine: SupplyChainEngine, added: str, asked: str) -> None:
    talk(engine, added)
    assert talk(engine, asked) == [["connect-nodes"]]
    assert links(engine) == {("Uruapan Supplier", "Morelia Plant")}


def test_a_size_said_with_add_them_as_one_supplier(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Could you add our factory first? It's in Nakuru and processes about 5,000 kg a month.",
        "The green leaf comes from smallholder growers around Eldoret. Could you add them as one "
        "supplier there, roughly 20,000 kg a month, supplying the factory?",
    )
    assert nodes(engine)["Eldoret Supplier"] == 20_000


def test_turkish_learner_describes_then_adds(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Hello. We Denizli in towel factory have, monthly 40,000 piece produce. This factory "
        "system to please add.",
        "Cotton from Gaziantep supplier coming, 60,000 kg monthly. Also Adana supplier there is, "
        "25,000 kg. Both our factory to supply.",
        "After factory, products to Istanbul warehouse going. Warehouse capacity 30,000 piece. "
        "This also add and factory to connect please.",
    )
    assert nodes(engine) == {
        "Denizli Plant": 40_000,
        "Gaziantep Supplier": 60_000,
        "Adana Supplier": 25_000,
        "Istanbul Warehouse": 30_000,
    }
    assert links(engine) == {
        ("Gaziantep Supplier", "Denizli Plant"),
        ("Adana Supplier", "Denizli Plant"),
        ("Denizli Plant", "Istanbul Warehouse"),
    }
