"""Wordings from round 95's first try, a test per wording: "Can we cover it?" after a what-if,
"that one in Reno" (read as the node talked about before), "Yes. And record the Bandung
supplier as offline, ..." (the request after the yes was dropped), "the port there" after a
weather question named the town, "Sorry, the Red Deer one is in Lethbridge, not Red Deer."
after a link (it redid the link), and the Turkish learner's "in Istanbul one warehouse also we
have", "Denizli factory from goods there are going", "Please add and connect", "... capacity how
much is, again can you tell?", "Adana supplier 15000 not, 18000 it is", "Bursa in one store add
please", "Istanbul warehouse from it is supplied"."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse

from .talking import USER, kinds, links, nodes, talk

_NAMES = ("Columbus Warehouse", "Memphis Warehouse", "Reno Warehouse", "Bergen Plant")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "What if demand in Australia jumps 25% for a month? Can we cover it?",
            ["what-if-demand-spike"],
        ),
        (
            "What's the weather forecast for Bergen this week? If a storm closes the port there "
            "for 4 days, what happens to us?",
            ["out-of-scope", "what-if-port-closure"],
        ),
        ("record Reno Warehouse as offline", ["update-node"]),
        ("Istanbul warehouse capacity how much is, again can you tell?", ["get-node-details"]),
    ],
)
def test_round_95_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_that_one_in_a_town_is_the_node_there() -> None:
    (trace,) = parse(
        "What about that one in Reno, does anything feed it?", known_names=_NAMES
    ).commands
    assert trace.params["node"].text == "Reno Warehouse"


def test_yes_then_a_request_runs_both(engine: SupplyChainEngine) -> None:
    talk(engine, "add a plant in Ipoh and a supplier in Bandung", "remove the Ipoh plant please")
    said = talk(engine, "Yes. And record the Bandung supplier as offline, it has no customer left.")
    assert said == [["remove-node", "update-node"]]
    (supplier,) = engine.twin.list_nodes(USER)
    assert (supplier.name, supplier.status) == ("Bandung Supplier", "offline")


def test_yes_but_is_no_yes(engine: SupplyChainEngine) -> None:
    talk(engine, "add a plant in Ipoh", "remove the Ipoh plant please")
    talk(engine, "yes, but first show me its details")
    assert "Ipoh Plant" in nodes(engine)


def test_a_named_add_corrected_after_its_link(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Add a plant in Calgary.",
        "Add stores in Edmonton and Red Deer, 2,000 each, both fed by Calgary.",
        "Sorry, the Red Deer one is in Lethbridge, not Red Deer.",
    )
    assert links(engine) == {
        ("Calgary Plant", "Edmonton Store"),
        ("Calgary Plant", "Lethbridge Store"),
    }


def test_turkish_learner_builds_and_corrects(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Hello. We Denizli in towel factory have, monthly 40,000 piece produce. This factory "
        "system to please add.",
        "Adana in supplier please add, 15000 kg, and it factory to connect.",
        "Istanbul in one warehouse also we have, 25000 piece. Denizli factory from goods there "
        "are going. Please add and connect.",
        "Sorry, my mistake: Adana supplier 15000 not, 18000 it is.",
        "Bursa in one store add please, 5000 piece. Istanbul warehouse from it is supplied.",
    )
    assert nodes(engine) == {
        "Denizli Plant": 40_000,
        "Adana Supplier": 18_000,
        "Istanbul Warehouse": 25_000,
        "Bursa Store": 5_000,
    }
    assert links(engine) == {
        ("Adana Supplier", "Denizli Plant"),
        ("Denizli Plant", "Istanbul Warehouse"),
        ("Istanbul Warehouse", "Bursa Store"),
    }
