"""Wordings from round 74's first try, a test per wording: "how hard are our plants and
warehouses being run", "is stopping two weeks" supposed, "his capacity" for a site, news of one
node ("Factory now is more big") that asks for no comparison, "just list what I have", and
"the first and second warehouses"."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine.language import parse

from .talking import kinds

_TURKEY = ("Adana Supplier", "Gaziantep Plant", "Mersin Warehouse")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "How hard are our plants and warehouses being run at the moment?",
            ["calculate-utilization"],
        ),
        ("What is happen if Adana supplier is stopping two weeks?", ["what-if-supplier-failure"]),
        (
            "Factory now is more big, we buy new machines. Please make his capacity 6500.",
            ["update-node"],
        ),
        ("Which supplier is more big?", ["compare-nodes"]),
        ("Don't run any simulation yet, just list what I have.", ["cancelled", "list-nodes"]),
        ("what do we have?", ["get-network-summary"]),
        ("We are selling to Europe, so money please put in euro.", ["set-currency"]),
    ],
)
def test_round_74_wordings(text: str, expected: list[str]) -> None:
    assert kinds(text, _TURKEY) == expected


def test_the_first_and_second_warehouses_are_two_links() -> None:
    commands = parse(
        "hook it up to the first and second warehouses",
        known_names=("Geelong Warehouse", "Ballarat Warehouse"),
    ).commands
    targets = [(c.params["target"].text, c.params["target"].node_type) for c in commands]
    assert targets == [("1", "warehouse"), ("2", "warehouse")]


@pytest.mark.parametrize(
    ("text", "node_type"),
    [
        (
            "Factory now is more big, we buy new machines. Please make his capacity 6500.",
            "manufacturer",
        ),
        ("Our warehouse is always full. Make it 9000.", "warehouse"),
        ("The supplier is struggling these days, set it degraded.", "supplier"),
    ],
)
def test_news_of_one_site_is_what_its_pronoun_means(text: str, node_type: str) -> None:
    (command,) = parse(text, known_names=_TURKEY).commands
    node = command.params["node"]
    assert node.kind == "name" and node.node_type == node_type


def test_news_of_a_new_site_is_not_an_existing_one() -> None:
    # "a factory" is a new one: its pronoun never means the user's factory
    (command,) = parse("We open a factory soon, make it 5000.", known_names=_TURKEY).commands
    assert command.params["node"].kind == "pronoun"
