"""Wordings from round 69's first try, a test per wording: a learner's object first ("Factory
we have in Bursa, ... Please add."), a count said after the type with the nodes listed
without a verb ("Also supplier two: one is in Konya 9000 piece, other in Kayseri 6000 piece."),
and "Just the suppliers, with their capacities." narrowing the list just shown."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import kinds, links, nodes, talk


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Factory we have in Bursa, capacity 15 thousand piece for month. Please add.",
            ["add-manufacturer"],
        ),
        (
            "Also supplier two: one is in Konya 9000 piece, other in Kayseri 6000 piece.",
            ["add-supplier", "add-supplier"],
        ),
        (
            "Also two suppliers: one in Konya 9000 piece, one in Kayseri 6000 piece.",
            ["add-supplier", "add-supplier"],
        ),
    ],
)
def test_round_69_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text) == expected


def test_a_learners_plant_and_two_suppliers_feeding_it(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Factory we have in Bursa, capacity 15 thousand piece for month. Please add.",
        "Also supplier two: one is in Konya 9000 piece, other in Kayseri 6000 piece. Both are "
        "sending to factory in Bursa.",
    )
    assert nodes(engine) == {
        "Bursa Plant": 15_000,
        "Konya Supplier": 9_000,
        "Kayseri Supplier": 6_000,
    }
    assert links(engine) == {("Konya Supplier", "Bursa Plant"), ("Kayseri Supplier", "Bursa Plant")}


def test_just_the_suppliers_with_their_capacities_narrows_the_list(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "add a supplier in Cork, 4k", "add a plant in Leeds", "add a supplier in Derby")
    said = talk(
        engine,
        "List every node in the network, please.",
        "Just the suppliers, with their capacities.",
    )
    assert said == [["list-nodes"], ["list-nodes"]]
