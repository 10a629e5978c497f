"""Wordings from round 72's first try, a test per wording: a correction of a status naming
another node than the last change's ("Sorry, Arnhem should be degraded after all, not
offline": it had undone the last change and resized Arnhem), what a request is for said after
it ("... so it can cover some of the gap"), a field then "please change to", "how much stock
is sitting in X", "read the settings back to me", a term defined "in plain words", someone
else's plan said beside a question, a short town one letter short ("wh izmr 15k"), and
Solapur by its official spelling."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.gazetteer import lookup

from .talking import USER, kinds, nodes, talk

_NAMES = ("Da Nang Supplier", "Nagoya Supplier", "Townsville Warehouse", "Cairns Warehouse")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Ok, raise Da Nang Supplier to 12,000 so it can cover some of the gap.",
            ["update-node"],
        ),
        ("Nagoya supplier capacity, please change to 6500.", ["update-node"]),
        ("How much stock is sitting in the second warehouse?", ["get-node-details"]),
        ("Read the settings back to me so I can sign off.", ["get-settings"]),
        ("What's a single point of failure, in plain words?", ["help"]),
        (
            "How loaded are the plants? The board will ask about it on Thursday.",
            ["calculate-utilization"],
        ),
        ("wh izmr 15k, dc ankara 6k", ["add-warehouse", "add-distributor"]),
        ("new sup izmr 12k units", ["add-supplier"]),
    ],
)
def test_round_72_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_solapur_by_either_spelling() -> None:
    assert lookup("Solapur") == lookup("Sholapur")


def test_a_status_correction_of_another_node_changes_only_that_node(
    engine: SupplyChainEngine,
) -> None:
    talk(
        engine,
        "Plant in Eindhoven, 9,000 a month.",
        "add a warehouse in Arnhem, 12,000, fed by the plant.",
        "Mark Arnhem degraded. Wait, no, offline.",
        "Set Eindhoven Plant's capacity to 10,500... no, make it 10,000.",
    )
    assert talk(engine, "Sorry, Arnhem should be degraded after all, not offline.") == [
        ["update-node"]
    ]
    assert nodes(engine) == {"Eindhoven Plant": 10_000, "Arnhem Warehouse": 12_000}
    statuses = {n.name: n.status for n in engine.twin.list_nodes(USER)}
    assert statuses["Arnhem Warehouse"] == "degraded"
