"""Wordings from round 86's first try, a test per wording: "aguascalientes wh ok?", "Can you
confirm the currency and risk profile we're on now?" (asked which risk profile to set), "How
heavily are the two plants being used", "take that plant's capacity down by 10%", "holding the
flow back", and "anything else in the data that looks off"."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.language import parse

from .talking import kinds

_NAMES = ("Aguascalientes Warehouse", "Saskatoon Plant", "Regina Plant")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("aguascalientes wh ok?", ["get-node-details"]),
        ("everything ok?", ["get-network-summary"]),
        ("Can you confirm the currency and risk profile we're on now?", ["get-settings"]),
        ("How heavily are the two plants being used at the moment?", ["calculate-utilization"]),
        ("Which site is holding the flow back the most?", ["find-bottlenecks"]),
        ("Is there anything else in the data that looks off to you?", ["scan-anomalies"]),
    ],
)
def test_round_86_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


@pytest.mark.parametrize("text", ["is that ok?", "that ok?", "sounds ok?"])
def test_ok_about_no_node_asks_nothing_of_a_node(text: str) -> None:
    assert all(c.intent != "get-node-details" for c in parse(text, known_names=_NAMES).commands)


def test_capacity_down_by_a_share() -> None:
    (command,) = parse(
        "We're idling a line in Saskatoon; take that plant's capacity down by 10%.",
        known_names=_NAMES,
    ).commands
    assert command.params["capacity_factor"] == pytest.approx(0.9)


@pytest.mark.parametrize(
    ("text", "expected", "names"),
    [
        (
            "Hello. Our company textile produce. Bursa in factory we have, 20000 meter per month. "
            "This please add as plant.",
            ["smalltalk", "add-manufacturer"],
            (),
        ),
        (
            "Cotton from Denizli come, there is supplier, 30000 kg per month. Please add and to "
            "factory connect.",
            ["add-supplier", "connect-nodes"],
            ("Bursa Plant",),
        ),
        (
            "Also Gaziantep in one more supplier is, 18000 kg. This also to Bursa factory send, "
            "please add.",
            ["add-supplier", "connect-nodes"],
            ("Bursa Plant", "Denizli Supplier"),
        ),
        (
            "Cotton yarn we buy Usak from supplier, 18 thousand kg for month. Kahramanmaras from "
            "also other supplier, 10 thousand kg.",
            ["add-supplier", "add-supplier"],
            ("Denizli Plant",),
        ),
        ("Bursa in warehouse also add, 20000 meter.", ["add-warehouse"], ("Denizli Plant",)),
    ],
)
def test_a_turkish_learners_postpositions(
    text: str, expected: list[str], names: tuple[str, ...]
) -> None:
    assert kinds(text, names) == expected


def test_the_towns_sizes_after_a_postposition() -> None:
    adds = parse(
        "Cotton yarn we buy Usak from supplier, 18 thousand kg for month. Kahramanmaras from "
        "also other supplier, 10 thousand kg.",
        known_names=("Denizli Plant",),
    ).commands
    assert [c.params.get("capacity") for c in adds] == [18_000, 10_000]
