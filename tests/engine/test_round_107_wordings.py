"""Wordings from round 107's first try, a test per wording fixed after it: "plant toowomba
20k/mo, sup rockhamton 9k" (towns of the world table with a letter left out, where a node type
comes before and a size after; "rockhamton -> toowomba" after they exist), "Before the board
pack goes out I need a couple of numbers." (what the questions are for), "which one costs us
the most", "What is this tool actually for, and what can I do with it?", "put the workshop in
for me" and "I believe that's what you call a plant", "each sells about 1,000 bars a month",
"I suppose those would be stores.", "Please add both", a Spanish speaker's English ("one is in
Monterrey with 20,000 and the other in Saltillo with 12,000", "the supplier of Monterrey or
the of Saltillo", "two suppliers of steel, ..."), naira (and the shilling, cedi and Egyptian
pound) as currencies, "Connect Hereford to Bristol both ways. Hmm, no, just one way, from
Hereford." and "Now just the distribution centres in North America." after a list. Its other
misses are in known_failures.json."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.seam import EngineRequest

from .talking import USER, commands, kinds, links, talk


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("plant toowomba 20k/mo, sup rockhamton 9k", (), ["add-manufacturer", "add-supplier"]),
        (
            "rockhamton -> toowomba. wh brisbane 15k fed from plant",
            ("Toowoomba Plant", "Rockhampton Supplier"),
            ["connect-nodes", "add-warehouse", "connect-nodes"],
        ),
        (
            "Before the board pack goes out I need a couple of numbers. What's the total "
            "capacity across our warehouses?",
            ("Lyon Warehouse",),
            ["list-nodes"],
        ),
        (
            "And where are we most exposed? If one site goes down, which one costs us the most?",
            ("Lyon Warehouse",),
            ["identify-risks"],
        ),
        ("What is this tool actually for, and what can I do with it?", (), ["help"]),
        (
            "So we make handmade soap in a little workshop in Braga, about 3,000 bars a month. "
            "Could you put the workshop in for me? I believe that's what you call a plant.",
            (),
            ["add-manufacturer"],
        ),
        (
            "Also we have two suppliers of steel, one is in Monterrey with 20,000 and the other "
            "in Saltillo with 12,000. The both send the material to the plant.",
            ("Celaya Plant",),
            ["add-supplier", "add-supplier", "connect-nodes"],
        ),
        (
            "Which is more big, the supplier of Monterrey or the of Saltillo?",
            ("Monterrey Supplier", "Saltillo Supplier"),
            ["compare-nodes"],
        ),
        ("Set the currency to naira please.", (), ["set-currency"]),
    ],
)
def test_round_107_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [("naira", "NGN"), ("Kenyan shillings", "KES"), ("cedis", "GHS"), ("Egyptian pounds", "EGP")],
)
def test_more_currencies(text: str, code: str) -> None:
    (command,) = commands(f"Set the currency to {text}.")
    assert command.params["currency"] == code


def test_both_ways_taken_back(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "add a plant in Hereford and a warehouse in Bristol",
        "Connect Hereford to Bristol both ways. Hmm, no, just one way, from Hereford.",
    )
    assert links(engine) == {("Hereford Plant", "Bristol Warehouse")}


def test_narrowing_a_list_to_a_kind_and_a_region(engine: SupplyChainEngine) -> None:
    talk(engine, "add a DC in Atlanta, a warehouse in Dallas and a DC in Lyon")
    engine.run_turn(EngineRequest(USER, "c1", "Capacity of the warehouses by region.", ()))
    outcome = engine.run_turn(
        EngineRequest(USER, "c1", "Now just the distribution centres in North America.", ())
    )
    assert "Atlanta Distribution Center" in outcome.text
    assert "Dallas" not in outcome.text and "Lyon" not in outcome.text
