"""Wordings from round 94's first try, a test per wording: "both off the wh", "Please add it,
with coffee going from the roastery in Galway to it.", a what-if's duration taken back in the
same message ("... for two weeks? Actually, make it three weeks."), and "For the audit file:
list every supplier with its capacity and status." (asked about "it")."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language import parse

from .talking import kinds, links, talk

_NAMES = ("Aguascalientes Warehouse", "Foggia Supplier", "Guangzhou Supplier", "Lyon Supplier")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "dcs guadalajara 6k + puebla 5k, both off the wh",
            ["add-distributor", "add-distributor", "connect-nodes"],
        ),
        (
            "Then what happens if the Foggia supplier fails for two weeks? Actually, make it "
            "three weeks.",
            ["what-if-supplier-failure"],
        ),
        ("For the audit file: list every supplier with its capacity and status.", ["list-nodes"]),
    ],
)
def test_round_94_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_the_duration_said_again_is_the_one_used() -> None:
    (what_if,) = parse(
        "Then what happens if the Foggia supplier fails for two weeks? Actually, make it three "
        "weeks.",
        known_names=_NAMES,
    ).commands
    assert what_if.params["duration_hours"] == 21 * 24


def test_goods_going_from_a_site_to_the_new_one_is_its_link(engine: SupplyChainEngine) -> None:
    talk(engine, "Our roastery in Galway is a plant, please add it.")
    talk(
        engine,
        "Then our little storage unit in Cork is probably a warehouse, it holds about 2,500 kg. "
        "Please add it, with coffee going from the roastery in Galway to it.",
    )
    assert links(engine) == {("Galway Plant", "Cork Warehouse")}
