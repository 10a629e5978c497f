"""Wordings from round 92's first try, a test per wording: "And the warehouse total now?",
"What's the bottleneck overall?" (listed the nodes), "What does Katowice get its stock
from?", "Total warehouse capacity, please, and capacity by region." (two totals), "Heavy rain
always slows the trucks down." (a remark), a what-if's reason ("I need to know how exposed we
are"), "The third warehouse should get its stock from the second warehouse." (the link went the
wrong way: "its" was read as a third node) and "that one" after it, and the Turkish learner's
"Also in Istanbul warehouse we have", "Goods from factory to Istanbul warehouse go", "Istanbul
warehouse now more big, ... Capacity 25,000 make please.", "from Istanbul warehouse take"."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse

from .talking import ends, kinds, links, nodes, talk

_NAMES = ("Katowice Warehouse", "Gdansk Warehouse", "Wagga Wagga Supplier")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("And the warehouse total now?", ["list-nodes"]),
        ("What's the bottleneck overall?", ["find-bottlenecks"]),
        ("What's our total capacity overall?", ["list-nodes"]),
        ("What does Katowice get its stock from?", ["trace-upstream"]),
        ("Total warehouse capacity, please, and capacity by region.", ["list-nodes", "list-nodes"]),
        (
            "What's the weather going to be in Campinas this week? Heavy rain always slows the "
            "trucks down.",
            ["out-of-scope"],
        ),
        (
            "What if the Wagga Wagga grower fails for three weeks? I need to know how exposed we "
            "are.",
            ["what-if-supplier-failure"],
        ),
        ("Where are we exposed?", ["identify-risks"]),
    ],
)
def test_round_92_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Gdansk Warehouse gets its stock from Katowice Warehouse.",
        "Gdansk Warehouse should get its stock from Katowice Warehouse.",
    ],
)
def test_gets_its_stock_from_is_one_link_from_the_second(text: str) -> None:
    (link,) = parse(text, known_names=_NAMES).commands
    assert ends(link) == ("Katowice Warehouse", "Gdansk Warehouse")


def test_that_one_after_gets_its_stock_from_is_the_one_named_last(
    engine: SupplyChainEngine,
) -> None:
    talk(
        engine,
        "Add warehouses in Pune, Indore and Nagpur, 20,000 each.",
        "The third warehouse should get its stock from the second warehouse.",
    )
    assert links(engine) == {("Indore Warehouse", "Nagpur Warehouse")}
    talk(engine, "How big is that one?", "Double it.")
    assert nodes(engine)["Indore Warehouse"] == 40_000
    assert nodes(engine)["Nagpur Warehouse"] == 20_000


def test_turkish_learner_builds_and_grows(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Hello. We towel factory in Denizli have, 30,000 piece per month. This as plant please "
        "add.",
        "Also in Istanbul warehouse we have, 20,000 piece. Goods from factory to Istanbul "
        "warehouse go, this also connect.",
        "Istanbul warehouse now more big, new shelf we put. Capacity 25,000 make please.",
        "Bursa in store also add please, 6,000 piece, from Istanbul warehouse take.",
    )
    assert nodes(engine) == {
        "Denizli Plant": 30_000,
        "Istanbul Warehouse": 25_000,
        "Bursa Store": 6_000,
    }
    assert links(engine) == {
        ("Denizli Plant", "Istanbul Warehouse"),
        ("Istanbul Warehouse", "Bursa Store"),
    }
