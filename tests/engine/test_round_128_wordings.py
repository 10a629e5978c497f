"""Wordings from round 128's first try, a test per wording fixed after it: "Mark the Porto plant
offline.", "undo", then "Actually Porto is 14,000 units a month." (the correction had redone the
undone change: the plant went offline again and kept its size), "my manager says the plant
actually does 6,500 kg a month. Would you mind changing it?" (the node was lost), and some of a
Czech speaker's English ("there is place for 30 000 pieces", "mark the supplier in Brno like
degraded", "Which from the two suppliers is bigger?", "We have two suppliers for textile, one
is in ...", "From the fabric are the seats going to warehouse in Pardubice", and "they have
problem with workers" after a status change: why, not a scenario; "situation" is no typo of
"simulation")."""

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


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "We have two suppliers for textile, one is in Liberec with 15 000 metres per month and "
            "second one in Brno with 9 000 metres. Both of them are delivering to fabric in "
            "Ostrava.",
            ("Ostrava Plant",),
            # (one link step from the last two, fanned out when it runs)
            ["add-supplier", "add-supplier", "connect-nodes"],
        ),
        (
            "From the fabric are the seats going to warehouse in Pardubice, there is place for "
            "30 000 pieces. Please make also this connection.",
            ("Ostrava Plant", "Liberec Supplier", "Brno Supplier"),
            ["add-warehouse", "connect-nodes"],
        ),
        # why the status, not a scenario ("situation" is no typo of "simulation")
        (
            "Please mark the supplier in Brno like degraded, the actual situation there is not so "
            "good, they have problem with workers.",
            ("Ostrava Plant", "Liberec Supplier", "Brno Supplier"),
            ["update-node"],
        ),
        # (a scenario asked after the change still runs)
        (
            "Mark Wuhan Plant degraded for the audit trail - line 2 is down - and rerun the "
            "Tianjin failure.",
            ("Wuhan Plant", "Tianjin Supplier"),
            ["update-node", "what-if-supplier-failure"],
        ),
    ],
)
def test_a_czech_speaker_s_english(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected
