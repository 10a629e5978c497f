"""Wordings from round 63's first try, a test per wording: a passive "how hard are the plants
being run", a lead said with a colon, "what is this tool able to do", and a change taken back
in the same message ("Actually skip that")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine

from .talking import kinds, nodes, open_engine, talk


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How hard are the plants being run at the moment?", ["calculate-utilization"]),
        ("how hard is our Pune plant being pushed?", ["calculate-utilization"]),
        ("Just to confirm before I sign off: which settings are we on now?", ["get-settings"]),
        ("Just to check before I go, which settings are we on?", ["get-settings"]),
        ("What is this tool able to do?", ["help"]),
        ("what can this app do?", ["help"]),
        ("add a warehouse in Modena. Actually skip that.", ["cancelled"]),
        ("And a warehouse in Modena, 8,000. Actually skip that, we don't need it.", ["cancelled"]),
        (
            "add a store in Rome. Actually forget that, we don't need it. Add a store in Milan.",
            ["cancelled", "add-retailer"],
        ),
        ("list my nodes. never mind", ["list-nodes", "cancelled"]),  # nothing to take back
    ],
)
def test_round_63_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, ("Pune Plant",)) == expected


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SupplyChainEngine]:
    engine = open_engine(tmp_path)
    yield engine
    engine.close()


def test_a_change_taken_back_in_the_same_message_is_not_made(engine: SupplyChainEngine) -> None:
    said = talk(engine, "And a warehouse in Modena, 8,000. Actually skip that, we don't need it.")
    assert said == [["cancelled"]]
    assert nodes(engine) == {}
    talk(engine, "add a store in Rome. Actually forget that. Add a store in Milan.")
    assert nodes(engine) == {"Milan Store": 2_000}
