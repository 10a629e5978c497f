"""Wordings from round 71's first try, a test per wording: "mfg status?" (a word of ours is no
typo of a town: it had added a plant in the United States), a slip in the town of a user's
node right before its type ("set publa sup offline"), "Actually make the plant 20,000" turns
after adding it (a change of the plant), and a worry said after an out-of-scope ask ("Rain
could slow the port down") that asks for no what-if."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import kinds, nodes, talk


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("mfg status?", ("Guadalajara Plant", "Puebla Supplier"), ["get-node-details"]),
        ("wh cap?", ("Tijuana Warehouse",), ["get-node-details"]),
        ("set publa sup offline", ("Puebla Supplier", "Aguascalientes Supplier"), ["update-node"]),
        (
            "What's the weather looking like in Cartagena this week? Rain could slow the port "
            "down.",
            ("Cartagena Warehouse",),
            ["out-of-scope"],
        ),
        # a worry with a case asked for is still one
        (
            "what if the port of Cartagena closes for a week?",
            ("Cartagena Warehouse",),
            ["what-if-port-closure"],
        ),
        # a town after a type is still a town
        ("another sup sioux falls 10k", (), ["add-supplier"]),
    ],
)
def test_round_71_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


def test_mfg_status_adds_nothing(engine: SupplyChainEngine) -> None:
    talk(engine, "mfg in guadalajra 20k")
    assert talk(engine, "mfg status?") == [["get-node-details"]]
    assert nodes(engine) == {"Guadalajara Plant": 20_000}


def test_actually_make_the_plant_bigger_turns_later_is_a_change(engine: SupplyChainEngine) -> None:
    said = talk(
        engine,
        "Add a plant in Brescia, 18,000 units a month.",
        "And a supplier in Vicenza, 6,000 units.",
        "Connect Vicenza Supplier to the plant.",
        "Actually make the plant 20,000.",
    )
    assert said[-1] == ["update-node"]
    assert nodes(engine)["Brescia Plant"] == 20_000
    # right after the add, the same words fix the add
    assert talk(
        engine, "add a warehouse in Verona, 10,000", "actually make the warehouse 12,000"
    ) == [
        ["add-warehouse"],
        ["add-warehouse"],
    ]
    assert nodes(engine)["Verona Warehouse"] == 12_000
