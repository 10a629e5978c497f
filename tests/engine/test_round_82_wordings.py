"""Wordings from round 82's first try, a test per wording: "mark degraded" after a sentence
naming the node, "wats", "what do they add up to", "should hold 14,000", "how much does it
hold", "the other way ... ultimately reach", "Undo just the status change", a change and a new
name in one sentence ("Set ... to 32,000 and call it Southern Depot", which renamed the
warehouse "32"), a size said as "room for 10,000 jars", and "the last one" of an enumeration."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitrack_realtime.engine.language import parse

from .talking import kinds, nodes, open_engine, talk

_NAMES = (
    "Katowice Supplier",
    "Lodz Plant",
    "Memphis Plant",
    "Helsingborg Warehouse",
    "Dortmund Warehouse",
    "Bremen Warehouse",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("katowice sup short on steel, mark degraded", ["update-node"]),
        ("wats total dc cap?", ["list-nodes"]),
        ("And the two warehouses, what do they add up to?", ["list-nodes"]),
        ("The second warehouse should hold 14,000 bikes.", ["update-node"]),
        ("And the last one, how much does it hold?", ["get-node-details"]),
        (
            "And going the other way, what does Memphis Plant ultimately reach?",
            ["trace-downstream"],
        ),
        ("Undo just the status change, the lift's already fixed.", ["undo"]),
        (
            "Set the Helsingborg warehouse to 32,000 and call it Southern Depot.",
            ["update-node", "rename-node"],
        ),
    ],
)
def test_round_82_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_a_size_is_never_a_new_name() -> None:
    result = parse("rename the Helsingborg warehouse to 32,000", known_names=_NAMES)
    assert not result.commands and result.clarification is not None
    (named,) = parse("add a supplier in Lyon and call it Rhone Metals").commands
    assert named.intent == "add-supplier" and named.params["name"] == "Rhone Metals"


def test_the_node_named_before_mark_degraded() -> None:
    (command,) = parse("katowice sup short on steel, mark degraded", known_names=_NAMES).commands
    assert command.params["node"].text == "Katowice Supplier"


def test_room_for_a_size_and_the_link_to_it() -> None:
    steps = parse(
        "Lastly, the jars go to a warehouse in Auckland before they reach the supermarkets. "
        "Could you add it with room for 10,000 jars and connect the plant to it?",
        known_names=("Tauranga Plant",),
    ).commands
    assert [c.intent for c in steps] == ["add-warehouse", "connect-nodes"]
    assert steps[0].params["capacity"] == 10_000


def test_the_last_one_of_an_enumeration(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    talk(
        engine,
        "Put in an assembly plant in Kassel, 9,000 bikes a month, plus warehouses in Leipzig, "
        "Dortmund and Bremen, 10,000 each.",
        "Hook the plant up to the first two warehouses.",
        "The second warehouse should hold 14,000 bikes.",
        "And the last one, how much does it hold?",
        "Connect it to the plant too, and set it to 8,000.",
    )
    assert nodes(engine)["Bremen Warehouse"] == 8_000
    assert nodes(engine)["Dortmund Warehouse"] == 14_000
