"""Wordings from round 67's first try, a test per wording: "where does that new store get its
stock from", "which sites deliver into X", "a store that gets its coffee from the roastery",
a learner's "Factory is sending there, please put also" after the node described, and "Hmm,
actually no, keep it" as the no to a yes/no question."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import kinds, links, nodes, talk


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "So where does that new store get its stock from?",
            ("Alicante Store",),
            ["trace-upstream"],
        ),
        ("Which sites deliver into the Brno plant?", ("Brno Plant",), ["trace-upstream"]),
        (
            "For export we have warehouse in Izmir, 40000 piece. Factory is sending there, please "
            "put also.",
            ("Denizli Plant", "Gaziantep Supplier"),
            ["add-warehouse", "connect-nodes"],
        ),
        (
            "Please add a store in Mombasa that gets its coffee from Nakuru Plant.",
            ("Nakuru Plant",),
            ["add-retailer", "connect-nodes"],
        ),
    ],
)
def test_round_67_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_a_store_that_gets_its_coffee_from_the_users_roastery(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Could you add our roastery in Nakuru as a plant, about 5,000 kg a month?",
        "We also sell through our own shop in Mombasa, about 1,500 kg a month. Please add it as "
        "a store that gets its coffee from the roastery.",
    )
    assert links(engine) == {("Nakuru Plant", "Mombasa Store")}


def test_hmm_actually_no_keep_it_is_the_no_to_a_removal(engine: SupplyChainEngine) -> None:
    talk(engine, "add warehouses in Zaragoza and Murcia")
    assert talk(engine, "Now take the first warehouse out.", "Hmm, actually no, keep it.") == [
        ["confirmation"],
        ["cancelled"],
    ]
    assert set(nodes(engine)) == {"Zaragoza Warehouse", "Murcia Warehouse"}
