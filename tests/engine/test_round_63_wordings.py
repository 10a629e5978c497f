"""Wordings from round 63's first try, a test per wording: a passive "how hard are the plants
being run", a lead said with a colon, "what is this tool able to do", and a change taken back
in the same message ("Actually skip that")."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.copilot import SupplyChainEngine
from omnitrack_realtime.engine.language.cleaning import _clean

from .talking import kinds, links, nodes, talk


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


def test_a_change_taken_back_in_the_same_message_is_not_made(engine: SupplyChainEngine) -> None:
    said = talk(engine, "And a warehouse in Modena, 8,000. Actually skip that, we don't need it.")
    assert said == [["cancelled"]]
    assert nodes(engine) == {}
    talk(engine, "add a store in Rome. Actually forget that. Add a store in Milan.")
    assert nodes(engine) == {"Milan Store": 2_000}


# --- a learner's verb last ("This factory please add") ----------------------------------------

_BURSA = ("Bursa Plant", "Izmir Warehouse", "Kayseri Supplier", "Gaziantep Supplier")


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        (
            "Hello. I textile company have, in Bursa factory 20000 meter for month. This factory "
            "please add.",
            (),
            ["smalltalk", "add-manufacturer"],
        ),
        (
            "Cotton we buy from Gaziantep supplier, 30000 kg. Also Kayseri supplier 15000 kg. "
            "Both to Bursa factory send.",
            ("Bursa Plant",),
            ["add-supplier", "add-supplier", "connect-nodes"],
        ),
        ("From Bursa factory to there go.", ("Bursa Plant", "Izmir Warehouse"), ["connect-nodes"]),
        ("Kayseri supplier how much capacity have?", _BURSA, ["get-node-details"]),
        ("how much capacity does Kayseri Supplier have?", _BURSA, ["get-node-details"]),
        ("Both ship to Bursa factory.", _BURSA, ["connect-nodes"]),
    ],
)
def test_a_learners_verb_last(text: str, names: tuple[str, ...], expected: list[str]) -> None:
    assert kinds(text, names) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I want the stock to go",
        "Which plants does the Lyon warehouse get stock from, and where do the trucks go?",
        "Do you know how much stock we have?",
        "Please add",
    ],
)
def test_english_that_ends_in_a_verb_keeps_its_order(text: str) -> None:
    assert _clean(text) == text


def test_a_learners_network_in_verb_last_order(engine: SupplyChainEngine) -> None:
    talk(
        engine,
        "Hello. I textile company have, in Bursa factory 20000 meter for month. This factory "
        "please add.",
        "Cotton we buy from Gaziantep supplier, 30000 kg. Also Kayseri supplier 15000 kg. Both "
        "to Bursa factory send.",
        "Warehouse in Izmir is need, 25000 meter. From Bursa factory to there go.",
    )
    assert nodes(engine) == {
        "Bursa Plant": 20_000,
        "Gaziantep Supplier": 30_000,
        "Kayseri Supplier": 15_000,
        "Izmir Warehouse": 25_000,
    }
    assert links(engine) == {
        ("Gaziantep Supplier", "Bursa Plant"),
        ("Kayseri Supplier", "Bursa Plant"),
        ("Bursa Plant", "Izmir Warehouse"),
    }
