"""Wordings from round 88's first try, a test per wording. Its one wrong destructive action:
"The third warehouse has nothing hooked up to it, so get rid of it." linked the third warehouse
to "it" (the node talked about before) and then asked to remove that one, which the user's
"yes" removed. Also: "for what it moves" (a relocation verb), "Actually skip that, ..." after
an add and its link, a status taken back ("Hmm wait, not offline, degraded."), a storm that
"took out the access road" beside a change (it ran a simulation), "X is orphaned now, connect
it ...", and the Turkish learner's "Cotton from Adana we buy, supplier is there, ... Adana to
Denizli please connect.", "Istanbul in also warehouse we have", "from factory goods to there
going", "From factory this also connect"."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse

from .talking import kinds, links, nodes, talk

_NAMES = ("Calgary Warehouse", "Toronto Warehouse", "Agadir Supplier", "Porto Supplier")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Calgary Warehouse eats a lot of overhead for what it moves. Put it side by side "
            "with Toronto Warehouse for me.",
            ["compare-nodes"],
        ),
        ("Move Calgary Warehouse to Edmonton.", ["update-node"]),
        (
            "Add a warehouse in Tangier, 8,000, fed by the plant. Actually skip that, we ship "
            "straight out of Casablanca.",
            ["cancelled"],
        ),
        (
            "Mark the Agadir supplier degraded, no, offline. The storm took out the access road.",
            ["update-node"],
        ),
        ("A storm in Agadir for a week", ["run-simulation"]),
        (
            "Porto Supplier is orphaned now, connect it to Rotterdam Warehouse.",
            ["connect-nodes"],
        ),
        ("Is anything orphaned?", ["scan-anomalies"]),
        ("The third warehouse has nothing hooked up to it.", []),
        ("Toronto Warehouse has no links, is that a problem?", ["scan-anomalies"]),
    ],
)
def test_round_88_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_nothing_hooked_up_then_removing_it_asks_about_that_node(
    engine: SupplyChainEngine,
) -> None:
    talk(
        engine,
        "We need three warehouses to start: Leeds, Sheffield and Bristol, 8,000 units each.",
        "Put a supplier in Bradford at 15,000 and have it feed the first two warehouses.",
        "How big is the second warehouse?",
    )
    said = talk(engine, "The third warehouse has nothing hooked up to it, so get rid of it.")
    assert said == [["confirmation"]]
    assert talk(engine, "yes") == [["remove-node"]]
    assert "Bristol Warehouse" not in nodes(engine)
    assert {"Leeds Warehouse", "Sheffield Warehouse"} <= set(nodes(engine))
    assert len(links(engine)) == 2


def test_skip_that_takes_back_the_add_and_its_link_but_dont_connect_only_the_link() -> None:
    skipped = parse(
        "Add a warehouse in Tangier, fed by the plant. Actually skip that.",
        known_names=("Casablanca Plant",),
    )
    assert skipped.commands == ()
    kept = parse(
        "And a juice plant in Cape Town, 20,000 litres. Connect Paarl to it. Actually, don't "
        "connect it yet, the contract isn't signed.",
        known_names=("Paarl Supplier",),
    )
    assert [c.intent for c in kept.commands] == ["add-manufacturer"]


def test_a_status_taken_back_in_the_next_turn(engine: SupplyChainEngine) -> None:
    talk(engine, "add a supplier in Agadir", "Mark the Agadir supplier offline.")
    said = talk(engine, "Hmm wait, not offline, degraded. The groves are still partly picking.")
    assert said == [["update-node"]]
    (supplier,) = engine.twin.list_nodes("wordings-user")
    assert supplier.status == "degraded"


@pytest.mark.parametrize(
    ("turns", "expected_nodes", "expected_links"),
    [
        (
            (
                "In Denizli factory we have, one month 40,000 piece capacity. This as plant "
                "please add.",
                "Cotton from Adana we buy, supplier is there, 25,000 kg one month. Adana to "
                "Denizli please connect.",
            ),
            {"Denizli Plant": 40_000, "Adana Supplier": 25_000},
            {("Adana Supplier", "Denizli Plant")},
        ),
        (
            (
                "In Denizli factory we have, one month 40,000 piece capacity. This as plant "
                "please add.",
                "Istanbul in also warehouse we have, 15,000 piece. Please add, from factory "
                "goods to there going.",
                "Export for Izmir in second warehouse we need, 10,000 piece. From factory this "
                "also connect.",
            ),
            {"Denizli Plant": 40_000, "Istanbul Warehouse": 15_000, "Izmir Warehouse": 10_000},
            {("Denizli Plant", "Istanbul Warehouse"), ("Denizli Plant", "Izmir Warehouse")},
        ),
    ],
)
def test_turkish_learner_builds(
    engine: SupplyChainEngine,
    turns: tuple[str, ...],
    expected_nodes: dict[str, int],
    expected_links: set[tuple[str, str]],
) -> None:
    talk(engine, *turns)
    assert nodes(engine) == expected_nodes
    assert links(engine) == expected_links
