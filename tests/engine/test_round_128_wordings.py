"""Wordings from round 128's first try, a test per wording fixed after it: "Mark the Porto plant
offline.", "undo", then "Actually Porto is 14,000 units a month." (the correction had redone the
undone change: the plant went offline again and kept its size), "my manager says the plant
actually does 6,500 kg a month. Would you mind changing it?" (the node was lost), and some of a
Czech speaker's English ("there is place for 30 000 pieces", "mark the supplier in Brno like
degraded", "Which from the two suppliers is bigger?"). Round 128's learner conversation (c04)
keeps four turns and its twin in known failures."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import USER, commands, kinds, talk


def test_a_correction_after_an_undo_does_not_redo_the_undone_change(
    engine: SupplyChainEngine,
) -> None:
    talk(engine, "Add a plant in Porto, 12,000 units a month.", "Mark the Porto plant offline.")
    said = talk(engine, "undo", "Actually Porto is 14,000 units a month.")
    assert said == [["undo"], ["update-node"]]
    (plant,) = engine.twin.list_nodes(USER)
    assert (plant.capacity, plant.status) == (14_000, "operational")


def test_change_it_after_the_kind_said_is_that_node() -> None:
    (update,) = commands(
        "Oh dear, I think I had it wrong: my manager says the plant actually does 6,500 kg a "
        "month. Would you mind changing it?",
        ("Nakuru Plant", "Kericho Supplier"),
    )
    assert update.params["capacity"] == 6_500
    assert update.params["node"].node_type == "manufacturer"


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "Please mark the supplier in Brno like degraded.",
            ("Brno Supplier", "Ostrava Plant"),
            ["update-node"],
        ),
        (
            "Which from the two suppliers is bigger?",
            ("Brno Supplier", "Liberec Supplier"),
            ["compare-nodes"],
        ),
        (
            "Add a warehouse in Pardubice, there is place for 30 000 pieces.",
            ("Ostrava Plant",),
            ["add-warehouse"],
        ),
    ],
)
def test_round_128_wordings(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected
