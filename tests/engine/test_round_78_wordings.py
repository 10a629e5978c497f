"""Wordings from round 78's first try, a test per wording: a label before a total ("I need one
number for the board pack: our total ..."), "If not, ..." after a question, "Wait, no, scratch
that" as a sentence of its own, "rename it Bandung Cafe", and a learner's destination before its
postposition ("Both of them our factory to are sending", "Factory from warehouse to please
connect")."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.language import parse

from .talking import ends, kinds

_NAMES = ("Curitiba Warehouse", "Bandung Store", "Denizli Plant", "Adana Supplier")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "I need one number for the board pack: our total warehouse capacity across the "
            "network.",
            ["list-nodes"],
        ),
        (
            "Can you post a summary to our Slack channel? If not, just give me the overview here.",
            ["out-of-scope", "get-network-summary"],
        ),
        ("Remove the Curitiba warehouse. Wait, no, scratch that, keep it.", ["cancelled"]),
        ("Remove the Curitiba warehouse. Wait, no, scratch that.", ["cancelled"]),
        (
            "Raise Bandung Store to 4,000 and rename it Bandung Cafe.",
            ["update-node", "rename-node"],
        ),
    ],
)
def test_round_78_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _NAMES) == expected


def test_both_of_them_our_factory_to_are_sending() -> None:
    steps = parse(
        "Two cotton supplier please add: Gaziantep 40000 kg, Adana 30000 kg. Both of them our "
        "factory to are sending.",
        known_names=("Denizli Plant",),
    ).commands
    assert [c.intent for c in steps] == ["add-supplier", "add-supplier", "connect-nodes"]
    # the two suppliers just added, each linked to the factory
    assert steps[2].params["source"].text == "-2:"
    assert steps[2].params["target"].node_type == "manufacturer"


def test_scratch_that_inside_a_sentence_still_takes_back_what_it_follows() -> None:
    (link,) = parse(
        "Connect Trabzon to Samsun... no, scratch that, connect the Giresun plant to Samsun",
        known_names=("Samsun Warehouse", "Giresun Plant", "Trabzon Plant"),
    ).commands
    assert ends(link)[0] == "Giresun Plant"


def test_rename_with_the_new_name_after_the_node() -> None:
    (command,) = parse("rename Bandung Store Bandung Cafe", known_names=_NAMES).commands
    assert command.params["name"] == "Bandung Cafe"
    asked = parse("rename it please", known_names=_NAMES)
    assert not asked.commands and asked.clarification is not None


def test_from_x_to_y_connect_keeps_the_direction() -> None:
    steps = parse(
        "Istanbul in also warehouse we need, 50000 meter. Factory from warehouse to please "
        "connect.",
        known_names=("Denizli Plant", "Adana Supplier"),
    ).commands
    assert [c.intent for c in steps] == ["add-warehouse", "connect-nodes"]
    assert steps[1].params["source"].node_type == "manufacturer"
    assert steps[1].params["target"].node_type == "warehouse"
